"""Holdings parsing: OPAC XML and each ILS's MARCXML item fields, to available copies.

A rule takes the records a search returned and gives ``None`` when the records cannot be used
(zero or several records with holdings: ReShare refuses to guess which is meant) or the list of
available copies (empty when every copy is out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from reshare.lms.ncip.xml import Element, child, children, local

MARC_NS = "http://www.loc.gov/MARC21/slim"


@dataclass(frozen=True)
class ItemLocation:
    location: str
    shelving_location: str | None = None
    call_number: str | None = None
    item_id: str | None = None
    loan_policy: str | None = None
    temporary_location: str | None = None
    temporary_shelving_location: str | None = None

    @property
    def effective_location(self) -> str:
        return self.temporary_location or self.location

    @property
    def effective_shelving(self) -> str | None:
        return self.temporary_shelving_location or self.shelving_location


Rule = Callable[[Sequence[Element]], list[ItemLocation] | None]


def _t(node: Element | None, name: str, strip: bool = True) -> str | None:
    found = child(node, name)
    if found is None or found.text is None:
        return None
    value = found.text.strip() if strip else found.text
    return value if value.strip() else None


def _holdings(record: Element) -> list[Element]:
    return children(child(record, "holdings"), "holding")


def _one_with_holdings(records: Sequence[Element]) -> Element | None:
    with_holdings = [r for r in records if _holdings(r)]
    return with_holdings[0] if len(with_holdings) == 1 else None


# --- OPAC XML rules ------------------------------------------------------------


def _opac_available(holding: Element, circulation: Element, temp_is_shelving: bool
                    ) -> ItemLocation | None:
    available = child(circulation, "availableNow")
    location = _t(holding, "localLocation")
    if available is None or available.get("value") != "1" or not location:
        return None
    temporary = _t(circulation, "temporaryLocation")
    return ItemLocation(
        location=location, shelving_location=_t(holding, "shelvingLocation"),
        call_number=_t(holding, "callNumber"), item_id=_t(circulation, "itemId"),
        loan_policy=_t(circulation, "availableThru"),
        temporary_location=None if temp_is_shelving else temporary,
        temporary_shelving_location=temporary if temp_is_shelving else None)


def _opac_rule(temp_is_shelving: bool) -> Rule:
    def rule(records: Sequence[Element]) -> list[ItemLocation] | None:
        record = _one_with_holdings(records)
        if record is None:
            return None
        found = []
        for holding in _holdings(record):
            for circulation in children(child(holding, "circulations"), "circulation"):
                item = _opac_available(holding, circulation, temp_is_shelving)
                if item is not None:
                    found.append(item)
        return found
    return rule


def _public_note_rule(available_notes: frozenset[str]) -> Rule:
    """Sierra / Millennium: availability is the holding's publicNote; location = shelving."""
    def rule(records: Sequence[Element]) -> list[ItemLocation] | None:
        record = _one_with_holdings(records)
        if record is None:
            return None
        found = []
        for holding in _holdings(record):
            note = (_t(holding, "publicNote") or "").upper()
            location = _t(holding, "localLocation")
            if note in available_notes and location:
                found.append(ItemLocation(location=location, shelving_location=location,
                                          call_number=_t(holding, "callNumber", strip=False)))
        return found
    return rule


def horizon(records: Sequence[Element]) -> list[ItemLocation] | None:
    """Horizon: ignore "Internet" holdings; one copy per shelvingData / temporaryLocation,
    which become the loan policy."""
    usable = [r for r in records
              if any((_t(h, "localLocation") or "") != "Internet" for h in _holdings(r))]
    record = _one_with_holdings(usable)
    if record is None:
        return None
    found = []
    for holding in _holdings(record):
        if _t(holding, "localLocation") == "Internet":
            continue
        for circulation in children(child(holding, "circulations"), "circulation"):
            item = _opac_available(holding, circulation, temp_is_shelving=False)
            if item is None:
                continue
            policies = [p for p in (_t(holding, "shelvingData"),
                                    _t(circulation, "temporaryLocation")) if p]
            for policy in policies or [""]:
                found.append(ItemLocation(location=item.location,
                                          shelving_location=item.shelving_location,
                                          call_number=item.call_number, item_id=item.item_id,
                                          loan_policy=policy or None))
    return found


# --- MARCXML rules ------------------------------------------------------------


def _subfields(field: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for sub in field:
        if local(sub) == "subfield" and sub.get("code") and sub.text is not None:
            found.setdefault(sub.get("code", ""), sub.text)
    return found


def _datafields(record: Element, tag: str) -> list[dict[str, str]]:
    return [_subfields(f) for f in record.iter() if local(f) == "datafield" and f.get("tag") == tag]


@dataclass(frozen=True)
class MarcItemRule:
    tag: str
    available: Callable[[dict[str, str]], bool]
    location: str
    shelving: str
    call_number: str
    item_id: str = ""
    loan_policy: str = ""

    def __call__(self, records: Sequence[Element]) -> list[ItemLocation] | None:
        if len(records) != 1:
            return None
        found = []
        for sf in _datafields(records[0], self.tag):
            if not self.available(sf) or not sf.get(self.location, "").strip():
                continue
            found.append(ItemLocation(
                location=sf[self.location].strip(),
                shelving_location=_get(sf, self.shelving), call_number=_get(sf, self.call_number),
                item_id=_get(sf, self.item_id), loan_policy=_get(sf, self.loan_policy)))
        return found


def _get(sf: dict[str, str], code: str) -> str | None:
    value = sf.get(code, "").strip() if code else ""
    return value or None


_SYMPHONY_OUT = {"RESERVES", "CHECKEDOUT", "MISSING", "DISCARD"}

RULES: dict[str, Rule] = {
    "opac": _opac_rule(temp_is_shelving=False),
    "voyager": _opac_rule(temp_is_shelving=False),
    "folio": _opac_rule(temp_is_shelving=True),
    "sierra": _public_note_rule(frozenset({"AVAILABLE", "CHECK SHELVES", "CHECK SHELF"})),
    "millennium": _public_note_rule(frozenset({"AVAILABLE"})),
    "horizon": horizon,
    "koha": MarcItemRule("952", lambda s: s.get("7", "0") == "0" and not s.get("q", "").strip(),
                         location="b", shelving="c", call_number="o"),
    "polaris": MarcItemRule("852", lambda s: s.get("r", "").strip() == "In",
                            location="b", shelving="a", call_number="h", item_id="p"),
    "evergreen": MarcItemRule("852", lambda s: s.get("n", "").strip() == "Available",
                              location="b", shelving="a", call_number="c", item_id="g"),
    "symphony": MarcItemRule("926", lambda s: s.get("b", "").strip().upper() not in _SYMPHONY_OUT,
                             location="a", shelving="b", call_number="c", loan_policy="d"),
    "tlc": MarcItemRule("982", lambda s: s.get("1", "").strip() == "y",
                        location="b", shelving="c", call_number="m"),
}


# --- SRU envelope ------------------------------------------------------------


class SruDiagnostic(RuntimeError):
    """The SRU server (or Z39.50 gateway) answered with a diagnostic instead of records."""


def records_from_sru(data: bytes) -> list[Element]:
    """The records inside an SRU searchRetrieveResponse (``opacRecord`` or MARC ``record``)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    diagnostics = [d for d in root.iter() if local(d) == "diagnostic"]
    if diagnostics:
        message = " ".join(t.strip() for t in diagnostics[0].itertext() if t.strip())
        raise SruDiagnostic(message or "SRU diagnostic")
    found = []
    for data_node in (n for n in root.iter() if local(n) == "recordData"):
        inner = [c for c in data_node if isinstance(c.tag, str)]
        if inner:
            found.append(inner[0])
    return found


def parse_record(data: bytes | str) -> Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))


def available_items(rule: str, records: Sequence[Element]) -> list[ItemLocation] | None:
    return RULES[rule](records)
