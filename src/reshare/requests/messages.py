"""The engine's own view of an ISO 18626 message (an :class:`Envelope`) and ReShare's note
conventions. Wire conversion to and from ``reshare.iso18626.model`` lives in ``wire.py``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

REQUEST, SAM, RAM = "request", "sam", "ram"
AGREE_TAG = "#ReShareLoanConditionAgreeResponse#"
ADD_CONDITION_TAG = "#ReShareAddLoanCondition#"
AWAITING_CONFIRMATION_TAG = "#ReShareSupplierAwaitingConditionConfirmation#"
ASSUMED_AGREED_TAG = "#ReShareSupplierConditionsAssumedAgreed#"
_SEQ = re.compile(r"#seq:(\d+)#")
_LAST_SEQ = re.compile(r"#lastSeq:(\d+)#")
_FIELD = re.compile(r"#ReShareUpdatedField-([A-Za-z]+)[:\-]([^#]*)#")


@dataclass
class Envelope:
    """One message between a requester and a supplier, in the engine's words."""

    kind: str  # request | sam | ram
    requesting_symbol: str
    supplying_symbol: str
    requesting_request_id: str  # HRID~rotaPosition
    supplying_request_id: str = ""
    reason: str = ""  # SAM reasonForMessage
    status: str = ""  # SAM status
    action: str = ""  # RAM action
    answer: str = ""  # Y / N (CancelResponse, RenewResponse)
    note: str = ""
    reason_unfilled: str = ""
    loan_condition: str = ""
    offered_cost: str = ""
    offered_currency: str = ""
    delivery_cost: str = ""
    delivery_currency: str = ""
    item_id: str = ""
    sent_via: str = ""
    due_date: str = ""  # ISO 8601
    request: dict[str, Any] = field(default_factory=dict)  # bib/patron/service of a Request

    @property
    def sender(self) -> str:
        return self.supplying_symbol if self.kind == SAM else self.requesting_symbol

    @property
    def peer(self) -> str:
        return self.requesting_symbol if self.kind == SAM else self.supplying_symbol

    @property
    def trigger(self) -> str:
        if self.kind == SAM:
            return f"ISO18626{self.reason}"
        if self.kind == RAM:
            return f"ISO18626{self.action}"
        return "ISO18626Request"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Envelope:
        return cls(**data)


def protocol_id(hrid: str, rota_position: int) -> str:
    return f"{hrid}~{rota_position}" if rota_position >= 0 else f"{hrid}~norota"


def split_protocol_id(value: str) -> tuple[str, int | None]:
    hrid, _, pos = value.partition("~")
    if len(hrid) > 32:
        hrid = hrid.rsplit("-", 1)[0] if "-" in hrid[:32] else hrid[:32]
    return hrid, int(pos) if pos.isdigit() else None


def with_seq(note: str, seq: int) -> str:
    return f"{note}#seq:{seq}#" if note else f"#seq:{seq}#"


def strip_seq(note: str) -> tuple[str, int | None]:
    match = _SEQ.search(note or "")
    if not match:
        return note or "", None
    return _SEQ.sub("", note).strip(), int(match.group(1))


def last_seq(note: str) -> int | None:
    match = _LAST_SEQ.search(note or "")
    return int(match.group(1)) if match else None


def strip_tags(note: str) -> str:
    """The note as staff should read it: ReShare's #...# markers removed."""
    for tag in (AGREE_TAG, ADD_CONDITION_TAG, AWAITING_CONFIRMATION_TAG, ASSUMED_AGREED_TAG):
        note = note.replace(tag, "")
    return _FIELD.sub("", note).strip()


FIELD_NAMES = {  # ReShare's field-edit names -> our columns
    "Title": "title", "Author": "author", "Subtitle": "subtitle", "ISBN": "isbn", "ISSN": "issn",
    "OCLCNumber": "oclc_number", "Edition": "edition", "Volume": "volume", "Issue": "issue",
    "PagesRequested": "pages", "Publisher": "publisher", "PublicationDate": "publication_date",
    "PlaceOfPublication": "place_of_publication", "TitleOfComponent": "title_of_component",
    "AuthorOfComponent": "author_of_component", "PatronNote": "patron_note",
    "PickupLocation": "pickup_location", "SystemInstanceIdentifier": "system_instance_id",
    "Neededby": "needed_by", "CopyrightType": "copyright_type", "ServiceLevel": "service_level",
}
COLUMN_TO_FIELD = {v: k for k, v in FIELD_NAMES.items()}


def encode_field_updates(changes: dict[str, str]) -> str:
    """Edits as ReShare sends them; always ``:`` before the value (ReShare's ``-`` is a bug)."""
    return "".join(f"#ReShareUpdatedField-{COLUMN_TO_FIELD[c]}:{v}#" for c, v in changes.items()
                   if c in COLUMN_TO_FIELD)


def decode_field_updates(note: str) -> dict[str, str]:
    """Both separators are accepted so ReShare peers' ServiceLevel edits are not lost."""
    return {FIELD_NAMES[name]: value for name, value in _FIELD.findall(note or "")
            if name in FIELD_NAMES}


def encode_volumes(volumes: list[tuple[str, str, str]]) -> str:
    """(name, call number, item id) per volume, in ReShare's multivol format."""
    if len(volumes) == 1:
        name, call, item = volumes[0]
        return f"{name}##{call}##{item}"
    return "###".join(f"multivol:{n}##{c}##{i}" for n, c, i in volumes)


def decode_volumes(value: str) -> list[tuple[str, str, str]]:
    if not value:
        return []
    found = []
    for part in value.split("###"):
        part = part.removeprefix("multivol:")
        bits = part.split("##")
        if len(bits) == 3:
            found.append((bits[0], bits[1], bits[2]))
        elif part:
            found.append(("", "", part))
    return found
