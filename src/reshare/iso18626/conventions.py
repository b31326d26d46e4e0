"""ReShare's conventions on top of ISO 18626, so our messages look exactly like a ReShare node's.

Sequence notes (``#seq:N#``, ``#lastSeq:N#``), the ``#ReShare…#`` note tags (loan conditions,
field updates), the multi-volume ``itemId`` encoding, the ``HRID~rotaPosition`` request id,
RESHARE-scheme ``bibliographicRecordId`` codes, ``#RETURN_TO#…#RT_END#`` return addresses and
the ``NoError`` answer to a ``#lastSeq`` probe. Pure functions; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reshare.iso18626 import model as m

# ----------------------------------------------------------------------------- sequence notes

_SEQ = re.compile(r"#seq:(\d+)#")
_LAST_SEQ = re.compile(r"#lastSeq:(\d+)#")


def with_seq(note: str | None, seq: int) -> str:
    """Append ReShare's per-request send counter to an outgoing note."""
    return f"{note or ''}#seq:{seq}#"


def split_seq(note: str | None) -> tuple[str | None, int | None]:
    """``"hello#seq:3#"`` → ``("hello", 3)``; a note that was only the marker becomes None."""
    if note is None:
        return None, None
    found = _SEQ.findall(note)
    if not found:
        return note, None
    rest = _SEQ.sub("", note)
    return (rest if rest.strip() else None), int(found[-1])


def last_seq_note(seq: int) -> str:
    """The note of a timeout probe: "did you get my message ``seq``?"."""
    return f"#lastSeq:{seq}#"


def probed_seq(note: str | None) -> int | None:
    match = _LAST_SEQ.search(note or "")
    return int(match.group(1)) if match else None


NO_ERROR = "NoError"
NO_PREVIOUS_MESSAGE = "NoPreviousMessage"
SEQUENCE_DIFFERENT = "SequenceDifferent"


def error_value(code: str, detail: object) -> str:
    """ReShare's errorValue shape: ``"<internalCode>: <detail>"``."""
    return f"{code}: {detail}"


def probe_answer(probed: int, last_received: int | None) -> tuple[bool, m.ErrorData]:
    """How a receiver answers a ``#lastSeq:probed#`` probe: (confirmation is OK?, errorData).

    Equal → OK *with* errorData ``NoError: N`` (ReShare's shape; NoError is not an XSD error
    type, so it travels as UnrecognisedDataValue); nothing received → ERROR NoPreviousMessage;
    different → ERROR SequenceDifferent.
    """
    kind = m.ErrorType.UNRECOGNISED_DATA_VALUE
    if last_received is None:
        return False, m.ErrorData(kind, error_value(NO_PREVIOUS_MESSAGE, probed))
    if last_received != probed:
        return False, m.ErrorData(kind, error_value(SEQUENCE_DIFFERENT, last_received))
    return True, m.ErrorData(kind, error_value(NO_ERROR, probed))


def probe_succeeded(confirmation: m.Confirmation) -> bool:
    """True when a probe's confirmation proves the probed message arrived (OK + NoError)."""
    header = confirmation.confirmation_header
    error = confirmation.error_data
    return (header.message_status == m.MessageStatus.OK and error is not None
            and (error.error_value or "").startswith(NO_ERROR))


# ----------------------------------------------------------------------------- note tags

ADD_LOAN_CONDITION = "#ReShareAddLoanCondition#"
AWAITING_CONDITION_CONFIRMATION = "#ReShareSupplierAwaitingConditionConfirmation#"
CONDITIONS_ASSUMED_AGREED = "#ReShareSupplierConditionsAssumedAgreed#"
LOAN_CONDITION_AGREE = "#ReShareLoanConditionAgreeResponse#"
LOAN_CONDITION_REJECT = "#ReShareLoanConditionRejectResponse#"
ABORT = "#ABORT#"
FIELD_UPDATE_PREFIX = "#ReShareUpdatedField"

UPDATABLE_FIELDS = (
    "Author", "AuthorOfComponent", "Edition", "ISBN", "ISSN", "Issue", "Neededby", "OCLCNumber",
    "PagesRequested", "PatronNote", "PickupLocation", "PlaceOfPublication", "PublicationDate",
    "Publisher", "Subtitle", "SystemInstanceIdentifier", "Title", "TitleOfComponent", "Volume",
    "CopyrightType", "ServiceLevel", "MaximumCostsMonetaryValue", "MaximumCostsCurrencyCode",
)
# ReShare writes these three with '-' before the value (an upstream bug we reproduce on output)
DASH_SEPARATED_FIELDS = frozenset(
    {"ServiceLevel", "MaximumCostsMonetaryValue", "MaximumCostsCurrencyCode"})
_FIELD_UPDATE = re.compile(r"#ReShareUpdatedField-([A-Za-z]+?)[:-]([^#]*)#")


def with_tag(tag: str, note: str | None = None) -> str:
    """A note that starts with a ReShare tag, e.g. ``with_tag(ADD_LOAN_CONDITION, "...")``."""
    return f"{tag} {note}" if note else tag


def strip_tags(note: str | None) -> str | None:
    """The human part of a note: sequence markers and ``#ReShare…#`` tags removed."""
    if note is None:
        return None
    text = _SEQ.sub("", _LAST_SEQ.sub("", _FIELD_UPDATE.sub("", note)))
    for tag in (ADD_LOAN_CONDITION, AWAITING_CONDITION_CONFIRMATION, CONDITIONS_ASSUMED_AGREED,
                LOAN_CONDITION_AGREE, LOAN_CONDITION_REJECT):
        text = text.replace(tag, "")
    return text.strip() or None


def has_tag(note: str | None, tag: str) -> bool:
    return (note or "").lstrip().startswith(tag)


def field_update_note(updates: Mapping[str, str]) -> str:
    """One ``#ReShareUpdatedField-<Field>:<value>#`` per changed field, as ReShare writes it."""
    parts = []
    for name, value in updates.items():
        if name not in UPDATABLE_FIELDS:
            raise ValueError(f"{name!r} is not a field ReShare can update "
                             f"(one of {', '.join(UPDATABLE_FIELDS)})")
        if "#" in value:
            raise ValueError(f"the new value of {name} may not contain '#'")
        sep = "-" if name in DASH_SEPARATED_FIELDS else ":"
        parts.append(f"{FIELD_UPDATE_PREFIX}-{name}{sep}{value}#")
    return "".join(parts)


def field_updates(note: str | None) -> dict[str, str]:
    """Every field update in a note (accepting ``:`` or ``-`` before the value)."""
    found = {}
    for name, value in _FIELD_UPDATE.findall(note or ""):
        if name in UPDATABLE_FIELDS:
            found[name] = value
    return found


def is_field_update_note(note: str | None) -> bool:
    return (note or "").startswith(FIELD_UPDATE_PREFIX)


# ----------------------------------------------------------------------------- itemId volumes


@dataclass(frozen=True)
class Volume:
    name: str
    call_number: str
    item_id: str


_MULTIVOL = "multivol:"
MAX_VOLUME_FIELD = 255


def encode_item_ids(volumes: Iterable[Volume]) -> str:
    """``name##callNumber##itemId`` for one volume; ``multivol:…`` joined by ``###`` for more."""
    vols = list(volumes)
    if not vols:
        raise ValueError("at least one volume is needed")
    for v in vols:
        if "##" in f"{v.name}\0{v.call_number}\0{v.item_id}":
            raise ValueError(f"volume {v} contains '##', which the encoding cannot carry")

    def one(v: Volume) -> str:
        return "##".join(s[:MAX_VOLUME_FIELD] for s in (v.name, v.call_number, v.item_id))

    if len(vols) == 1:
        return one(vols[0])
    return "###".join(_MULTIVOL + one(v) for v in vols)


def decode_item_ids(text: str) -> list[Volume]:
    """Inverse of :func:`encode_item_ids`; also the old ``,`` separator and plain barcodes."""
    text = text.strip()
    if not text:
        return []
    if text.startswith(_MULTIVOL):
        chunks = re.split(r"(?:###|,)(?=multivol:)", text)
        return [_one_volume(c[len(_MULTIVOL):]) for c in chunks]
    if "##" in text:
        return [_one_volume(text)]
    return [Volume(name=text, call_number="", item_id=text)]


def _one_volume(chunk: str) -> Volume:
    parts = chunk.split("##")
    if len(parts) != 3:
        return Volume(name=chunk, call_number="", item_id=chunk)
    return Volume(*parts)


# ----------------------------------------------------------------------------- request ids

NOROTA = "norota"


@dataclass(frozen=True)
class ProtocolId:
    hrid: str
    rota_position: int | None
    norota: bool = False


def build_protocol_id(hrid: str, rota_position: int | None, *, slnp: bool = False) -> str:
    """``HRID~rotaPosition``, ``HRID~norota`` without a rota, or the bare HRID for SLNP."""
    if slnp:
        return hrid
    return f"{hrid}~{NOROTA if rota_position is None else rota_position}"


def parse_protocol_id(value: str) -> ProtocolId:
    base, sep, suffix = value.partition("~")
    if not sep:
        return ProtocolId(value, None)
    if suffix == NOROTA:
        return ProtocolId(base, None, norota=True)
    return ProtocolId(base, int(suffix) if suffix.isdigit() else None)


def hrid_from_protocol_id(value: str) -> str:
    """What a ReShare supplier stores as its own HRID for an incoming requestingAgencyRequestId."""
    base = value.partition("~")[0]
    if len(base) <= 32:
        return base
    cut = base.rfind("-")
    return base[:cut] if 0 < cut <= 32 else base[:32]


# ----------------------------------------------------------------------------- record ids

RESHARE_SCHEME = "RESHARE"
STANDARD_RECORD_CODES = frozenset(
    {"amicus", "bl", "faust", "jnb", "la", "lccn", "medline", "ncid", "oclc", "pid", "pmid", "tp"})


def record_id(code: str, value: str) -> m.BibliographicRecordId:
    """A bibliographicRecordId; non-standard codes get scheme ``RESHARE`` like ReShare's."""
    scheme = None if code.lower() in STANDARD_RECORD_CODES else RESHARE_SCHEME
    return m.BibliographicRecordId(m.SchemeValue(code, scheme), value)


def record_ids(values: Mapping[str, str | None]) -> list[m.BibliographicRecordId]:
    """Record ids for every non-empty value, in the mapping's order."""
    return [record_id(code, v) for code, v in values.items() if v]


def identifier_fields(info: m.BibliographicInfo) -> dict[str, str]:
    """Lower-cased code → value for every record and item id (ReShare's extension mechanism)."""
    found: dict[str, str] = {}
    for rid in info.bibliographic_record_id:
        found[rid.bibliographic_record_identifier_code.value.lower()] = \
            rid.bibliographic_record_identifier
    for iid in info.bibliographic_item_id:
        found[iid.bibliographic_item_identifier_code.value.lower()] = \
            iid.bibliographic_item_identifier
    return found


PRECEDED_BY = "preceded-by"


def preceded_by(previous_hrid: str) -> m.BibliographicItemId:
    """The item id that links a re-request to the request it replaces."""
    return m.BibliographicItemId(previous_hrid, m.SchemeValue(PRECEDED_BY, "reshare"))


# ----------------------------------------------------------------------------- return address

_RETURN_TO = re.compile(r"#RETURN_TO#(.*?)#RT_END#", re.DOTALL)


def wrap_return_to(address: str) -> str:
    return f"#RETURN_TO#{address}#RT_END#"


def return_to(text: str | None) -> str | None:
    """The return address carried in a supplierDescription or note, if any."""
    match = _RETURN_TO.search(text or "")
    return match.group(1).strip() if match else None
