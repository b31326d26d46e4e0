"""The simulator's catalogue: SRU 2.0 searchRetrieve answering OPAC XML (default) or MARCXML
with Koha-style 952 item fields, from the live circulation state (a loaned copy is not
available). Accepts CQL (``rec.id``, ``bath.isbn``, ``dc.title``, joined by ``and``) and, like
ReShare's gateway, PQF in ``x-pquery`` (``@attr 1=12|7|4``)."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from reshare.lms.sim.state import Item, Library

SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
_CQL = re.compile(r'(rec\.id|rec\.identifier|bath\.isbn|dc\.title)\s*=\s*"([^"]*)"')
_PQF = re.compile(r'@attr\s+1=(\d+)(?:\s+@attr\s+\d+=\d+)*\s+"?([^"]*)"?')
_PQF_INDEX = {"12": "rec.id", "1016": "rec.id", "7": "bath.isbn", "4": "dc.title"}


class BadQuery(ValueError):
    pass


def parse_query(cql: str = "", pqf: str = "") -> list[tuple[str, str]]:
    if pqf:
        match = _PQF.search(pqf)
        if not match or match.group(1) not in _PQF_INDEX:
            raise BadQuery(f"unsupported PQF query {pqf!r}")
        return [(_PQF_INDEX[match.group(1)], match.group(2).strip())]
    terms = [(k.replace("rec.identifier", "rec.id"), v.strip()) for k, v in _CQL.findall(cql)]
    if not terms:
        raise BadQuery(f"unsupported CQL query {cql!r}")
    return terms


def _norm_isbn(value: str) -> str:
    return re.sub(r"[^0-9X]", "", value.upper())


def _matches(item: Item, index: str, term: str) -> bool:
    if index == "rec.id":
        return item.bib_id == term
    if index == "bath.isbn":
        return bool(item.isbn) and _norm_isbn(item.isbn) == _norm_isbn(term)
    return term.lower() in item.title.lower()


def search(lib: Library, terms: list[tuple[str, str]]) -> list[list[Item]]:
    """Matching records (lists of copies of one bib), in bib id order."""
    with lib.lock:
        bibs: dict[str, list[Item]] = {}
        for item in lib.items.values():
            if item.temporary:
                continue
            if all(_matches(item, index, term) for index, term in terms):
                bibs.setdefault(item.bib_id, []).append(item)
        return [bibs[k] for k in sorted(bibs)]


def _marc_bib(first: Item, items_xml: str = "") -> str:
    fields = [f'<controlfield tag="001">{escape(first.bib_id)}</controlfield>']
    if first.isbn:
        fields.append(_df("020", {"a": first.isbn}))
    if first.author:
        fields.append(_df("100", {"a": first.author}))
    fields.append(_df("245", {"a": first.title}))
    return ('<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000cam a2200000 a 4500'
            f'</leader>{"".join(fields)}{items_xml}</record>')


def _df(tag: str, subfields: dict[str, str]) -> str:
    subs = "".join(f'<subfield code="{c}">{escape(v)}</subfield>' for c, v in subfields.items()
                   if v)
    return f'<datafield tag="{tag}" ind1=" " ind2=" ">{subs}</datafield>'


def opac_record(lib: Library, copies: list[Item]) -> str:
    holdings = []
    for item in copies:
        available = "1" if lib.is_available(item) else "0"
        policy = f"<availableThru>{escape(item.loan_policy)}</availableThru>" \
            if item.loan_policy else ""
        holdings.append(
            f"<holding><localLocation>{escape(item.location)}</localLocation>"
            f"<shelvingLocation>{escape(item.shelving_location)}</shelvingLocation>"
            f"<callNumber>{escape(item.call_number)}</callNumber><circulations><circulation>"
            f'<availableNow value="{available}"/>{policy}<itemId>{escape(item.barcode)}</itemId>'
            "</circulation></circulations></holding>")
    return (f"<opacRecord><bibliographicRecord>{_marc_bib(copies[0])}</bibliographicRecord>"
            f"<holdings>{''.join(holdings)}</holdings></opacRecord>")


def marc_record(lib: Library, copies: list[Item]) -> str:
    fields = []
    for item in copies:
        loan = lib.loans.get(item.barcode)
        fields.append(_df("952", {"7": "0", "b": item.location, "c": item.shelving_location,
                                  "o": item.call_number, "p": item.barcode,
                                  "q": loan.due[:10] if loan else ""}))
    return _marc_bib(copies[0], "".join(fields))


def response(lib: Library, *, cql: str = "", pqf: str = "", schema: str = "opac",
             maximum: int = 10) -> str:
    try:
        terms = parse_query(cql, pqf)
    except BadQuery as exc:
        return _diagnostic("info:srw/diagnostic/1/10", str(exc))
    if schema not in ("opac", "marcxml", ""):
        return _diagnostic("info:srw/diagnostic/1/66", f"unknown record schema {schema!r}")
    found = search(lib, terms)
    with lib.lock:
        rendered = [marc_record(lib, c) if schema == "marcxml" else opac_record(lib, c)
                    for c in found[:maximum]]
    records = "".join(
        f"<zs:record><zs:recordSchema>{schema}</zs:recordSchema>"
        f"<zs:recordXMLEscaping>xml</zs:recordXMLEscaping><zs:recordData>{r}</zs:recordData>"
        f"<zs:recordPosition>{n}</zs:recordPosition></zs:record>"
        for n, r in enumerate(rendered, 1))
    return (f'<?xml version="1.0"?><zs:searchRetrieveResponse xmlns:zs="{SRU_NS}">'
            f"<zs:numberOfRecords>{len(found)}</zs:numberOfRecords><zs:records>{records}"
            "</zs:records></zs:searchRetrieveResponse>")


def _diagnostic(uri: str, message: str) -> str:
    return (f'<?xml version="1.0"?><zs:searchRetrieveResponse xmlns:zs="{SRU_NS}">'
            "<zs:numberOfRecords>0</zs:numberOfRecords><zs:diagnostics>"
            '<diag:diagnostic xmlns:diag="http://docs.oasis-open.org/ns/search-ws/diagnostic">'
            f"<diag:uri>{uri}</diag:uri><diag:message>{escape(message)}</diag:message>"
            "</diag:diagnostic></zs:diagnostics></zs:searchRetrieveResponse>")
