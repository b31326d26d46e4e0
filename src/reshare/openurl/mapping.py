"""``parse_openurl``: an OpenURL (0.1 or 1.0 KEV, any shape) → :class:`OpenUrlRequest`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping

from reshare.openurl.model import (
    _CONTAINER_GENRES,
    GENRES,
    NOTE_LIMIT,
    OpenUrlRequest,
    _clean,
    _clean_date,
    _id_value,
    _pages,
    _strip_punctuation,
    build_author,
    is_version_1,
    pairs_from,
    upgrade_0_1,
)

_TITLE_KEYS = ("title", "btitle", "jtitle", "atitle", "stitle", "subtitle", "pub", "publisher",
               "place", "edition", "series")
_PLAIN_KEYS = {
    "volume": "volume", "issue": "issue", "part": "part", "artnum": "artnum", "ssn": "ssn",
    "quarter": "quarter", "issn": "issn", "eissn": "eissn", "coden": "coden", "sici": "sici",
    "bici": "bici", "copyrightType": "copyright_type", "sponsoringBody": "sponsoring_body",
    "authorOfComponent": "author_of_component", "pagesRequested": "pages_requested",
}


def _metadata(pairs: list[tuple[str, str]]) -> dict[str, str | None]:
    """``rft.<key>`` values, first non-empty one per key, cleaned."""
    meta: dict[str, str | None] = {}
    for key, value in pairs:
        if not key.startswith("rft."):
            continue
        name = key[4:]
        cleaned = (_strip_punctuation(value) if name in _TITLE_KEYS
                   else _clean_date(value) if name in {"date", "year"} else _clean(value))
        if cleaned is not None and meta.get(name) is None:
            meta[name] = cleaned
    return meta


def _first(pairs: list[tuple[str, str]], *keys: str) -> str | None:
    for wanted in keys:
        for key, value in pairs:
            if key == wanted and _clean(value) is not None:
                return _clean(value)
    return None


def _identifiers(req: OpenUrlRequest, pairs: list[tuple[str, str]]) -> None:
    """``rft_id`` / ``rft.id`` values: DOI, PMID, ISBN, OCLC numbers, or a shared-index id."""
    for key, value in pairs:
        if key not in {"rft_id", "rft.id"} or _clean(value) is None:
            continue
        ident = value.strip()
        typed = _id_value(ident)
        if typed is None:
            if re.match(r"^info:\w+/?$", ident):  # an empty template like info:pmid/
                continue
            req.identifiers.append(ident)
            req.system_instance_identifier = req.system_instance_identifier or ident
            continue
        req.identifiers.append(ident)
        kind, val = typed
        if kind == "oclc":
            req.oclc_number = req.oclc_number or val
        elif getattr(req, kind) is None:
            setattr(req, kind, val)


def _bibliographic(req: OpenUrlRequest, meta: dict[str, str | None]) -> None:
    genre = (meta.get("genre") or "").lower() or None
    req.genre = genre
    if genre == "other":
        req.publication_type = None
    elif genre:
        req.publication_type = GENRES.get(genre)
    container = meta.get("title") or meta.get("btitle") or meta.get("jtitle")
    req.title = container or meta.get("atitle")
    atitle = meta.get("atitle")
    if atitle and container and (atitle != container or genre in _CONTAINER_GENRES):
        req.title_of_component = atitle
    req.author = build_author(meta)
    req.subtitle = meta.get("subtitle")
    req.stitle = meta.get("stitle")
    req.publisher = meta.get("pub") or meta.get("publisher")
    req.place_of_publication = meta.get("place")
    req.publication_date = meta.get("date") or meta.get("year")
    req.edition = meta.get("edition")
    for key, attr in _PLAIN_KEYS.items():
        if meta.get(key):
            setattr(req, attr, meta[key])
    req.isbn = meta.get("isbn") or meta.get("eisbn") or req.isbn
    req.doi = req.doi or meta.get("doi")
    req.pmid = req.pmid or meta.get("pmid")
    oclc = meta.get("oclc") or meta.get("oclcnum")
    if oclc:
        req.oclc_number = re.sub(r"^\(OCoLC\)|^oc[mn]|^on", "", oclc, flags=re.IGNORECASE)
    req.start_page, req.number_of_pages = _pages(meta.get("spage"), meta.get("epage"),
                                                 meta.get("pages"))
    if req.pages_requested is None and meta.get("pages") and req.number_of_pages is None:
        req.pages_requested = meta["pages"]
    req.illiad_id = meta.get("identifier_illiad") or meta.get("identifier.illiad")


def _service(req: OpenUrlRequest, pairs: list[tuple[str, str]]) -> None:
    patron = _first(pairs, "req_id", "req.id")
    if patron and patron.lower().startswith("mailto:"):
        req.patron_email = req.patron_email or patron[7:]
        patron = patron[7:]
    req.patron_identifier = patron
    req.patron_email = _first(pairs, "req.emailAddress", "req.email") or req.patron_email
    note = _first(pairs, "svc.note")
    req.patron_note = note[:NOTE_LIMIT] if note else None
    req.pickup_location = _first(pairs, "svc.pickupLocation", "pickupLocation")
    req.needed_by = _first(pairs, "svc.neededBy")
    service = (_first(pairs, "svc_id", "svc.id") or "loan").lower()
    req.service_type = "copy" if service == "copy" else "loan"
    req.service_level = _first(pairs, "svc.level")
    req.max_cost_amount = _first(pairs, "svc.costAmount")
    req.max_cost_currency = _first(pairs, "svc.costCurrency")
    flag = (_first(pairs, "svc.noPickupLocation") or "").lower()
    req.no_pickup_location = flag in {"1", "true", "yes", "y"}
    req.requesting_org = _first(pairs, "res.org")
    req.referrer_id = _first(pairs, "rfr_id")
    req.context_id = _first(pairs, "ctx_id") or str(uuid.uuid4())


def parse_openurl(source: str | Mapping[str, str] | Iterable[tuple[str, str]]) -> OpenUrlRequest:
    """Map any OpenURL to a request draft; never raises on sloppy input."""
    pairs = pairs_from(source)
    version = "1.0" if is_version_1(pairs) else "0.1"
    if version == "0.1":
        pairs = upgrade_0_1(pairs)
    req = OpenUrlRequest(version=version)
    _identifiers(req, pairs)
    _bibliographic(req, _metadata(pairs))
    _service(req, pairs)
    return req
