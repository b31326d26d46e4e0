"""OpenURL 0.1 and 1.0 (KEV) → a patron request draft: pure parsing and mapping, no I/O.

One mapping, the union of ReShare's two (listener-openurl and mod-rs), preferring the standard
keys. Choices where the two disagree (see docs/web.md):

* version: 1.0 when any key starts with ``rft_``, ``rft.``, ``req_``, ``req.``, ``url_ver`` or
  ``ctx_``; otherwise 0.1, whose keys are rewritten to their 1.0 names first;
* title: ``title`` ‖ ``btitle`` ‖ ``jtitle`` ‖ ``atitle``; ``atitle`` also becomes
  ``title_of_component`` when a container title exists (article in a journal, chapter in a book);
* author: ``au`` ‖ ``creator`` ‖ built from ``aulast`` + (``aufirst`` [+ ``auinitm``] ‖
  ``auinit`` ‖ ``auinit1``/``auinitl`` [+ ``auinitm``]) as "Last, First" ‖ ``aucorp``;
* pages: ``spage``/``epage`` give start page and count; otherwise a ``pages`` range ``N-M``
  does; a range that is not two numbers is kept only as ``pages_requested``;
* patron: ``req_id`` ‖ ``req.id`` (``mailto:`` stripped); service type ``svc_id`` ‖ ``svc.id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from urllib.parse import unquote_plus, urlsplit

NOTE_LIMIT = 255
KEPT_SVC = {"svc_id", "svc.pickupLocation", "svc.neededBy", "svc.note", "svc.level",
            "svc.costAmount", "svc.costCurrency", "svc.noPickupLocation", "svc.id"}
PUBLICATION_TYPES = (
    "ArchiveMaterial", "Article", "AudioBook", "Book", "Chapter", "ConferenceProc", "Game",
    "GovernmentPubl", "Image", "Journal", "Manuscript", "Map", "Movie", "MusicRecording",
    "MusicScore", "Newspaper", "Patent", "Report", "SoundRecording", "Thesis",
)
# OpenURL genres (both formats, plus common non-standard ones) → ReShare publication types.
GENRES: dict[str, str] = {
    "book": "Book", "bookitem": "Chapter", "chapter": "Chapter", "article": "Article",
    "journal": "Journal", "issue": "Journal", "serial": "Journal", "conference": "ConferenceProc",
    "proceeding": "ConferenceProc", "proceedings": "ConferenceProc", "preprint": "Article",
    "report": "Report", "document": "Book", "dissertation": "Thesis", "thesis": "Thesis",
    "map": "Map", "newspaper": "Newspaper", "patent": "Patent", "manuscript": "Manuscript",
    "score": "MusicScore", "audiobook": "AudioBook", "video": "Movie", "movie": "Movie",
    "image": "Image", "government": "GovernmentPubl", "archive": "ArchiveMaterial",
}
_CONTAINER_GENRES = {"article", "bookitem", "chapter", "proceeding", "conference", "preprint"}
_TRAILING = re.compile(r"[\s/:;,=]+$")
_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2010-\u2015]\s*(\d+)\s*$")


@dataclass
class OpenUrlRequest:
    """What an OpenURL says about the wanted item, the patron and the service."""

    title: str | None = None
    author: str | None = None
    title_of_component: str | None = None
    author_of_component: str | None = None
    subtitle: str | None = None
    stitle: str | None = None
    publisher: str | None = None
    place_of_publication: str | None = None
    publication_date: str | None = None
    edition: str | None = None
    volume: str | None = None
    issue: str | None = None
    part: str | None = None
    artnum: str | None = None
    ssn: str | None = None
    quarter: str | None = None
    start_page: str | None = None
    number_of_pages: str | None = None
    pages_requested: str | None = None
    isbn: str | None = None
    issn: str | None = None
    eissn: str | None = None
    coden: str | None = None
    sici: str | None = None
    bici: str | None = None
    doi: str | None = None
    pmid: str | None = None
    oclc_number: str | None = None
    publication_type: str | None = None
    genre: str | None = None
    system_instance_identifier: str | None = None
    copyright_type: str | None = None
    sponsoring_body: str | None = None
    illiad_id: str | None = None
    patron_identifier: str | None = None
    patron_email: str | None = None
    patron_note: str | None = None
    pickup_location: str | None = None
    needed_by: str | None = None
    service_type: str = "loan"
    service_level: str | None = None
    max_cost_amount: str | None = None
    max_cost_currency: str | None = None
    no_pickup_location: bool = False
    requesting_org: str | None = None
    referrer_id: str | None = None
    context_id: str = ""
    version: str = "1.0"
    identifiers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def missing_basic_data(self) -> list[str]:
        """Which fields must still be given before this can become a request ([] = enough)."""
        missing: list[str] = []
        if not self.system_instance_identifier:
            if self.service_type == "copy":
                wanted = {"publication_type": self.publication_type,
                          "title_of_component": self.title_of_component or self.title,
                          "author_of_component": self.author_of_component or self.author,
                          "publication_date": self.publication_date,
                          "copyright_type": self.copyright_type}
            else:
                wanted = {"title": self.title, "author": self.author}
            missing.extend(name for name, value in wanted.items() if not value)
        if (not self.pickup_location and self.service_type != "copy"
                and not self.no_pickup_location):
            missing.append("pickup_location")
        return missing

    @property
    def has_basic_data(self) -> bool:
        return not self.missing_basic_data()


def _clean(value: str | None) -> str | None:
    """Trim, and treat cataloguing-only values (``,``, ``/``, blank) as absent."""
    if value is None:
        return None
    value = value.strip()
    if not value or not re.search(r"\w", value):
        return None
    return value


def _strip_punctuation(value: str | None) -> str | None:
    """Drop ISBD punctuation copied from a catalogue record: ``Sparta /``, ``London :``."""
    value = _clean(value)
    if value is None:
        return None
    return _clean(_TRAILING.sub("", value))


def _clean_date(value: str | None) -> str | None:
    value = _strip_punctuation(value)
    return value.rstrip(".") if value else None


Pairs = list[tuple[str, str]]


def pairs_from(source: str | Mapping[str, str] | Iterable[tuple[str, str]]) -> Pairs:
    """Key/value pairs from a URL, a query string, a mapping or pairs (repeats kept)."""
    if isinstance(source, str):
        query = urlsplit(source).query if "?" in source or "://" in source else source
        return split_query(query)
    if isinstance(source, Mapping):
        return [(str(k), str(v)) for k, v in source.items()]
    return [(str(k), str(v)) for k, v in source]


def split_query(query: str) -> list[tuple[str, str]]:
    """Parse a query string, repairing an unescaped ``&`` inside a value.

    ``rft.pub=Taylor%20&%20Francis`` reaches us from real discovery layers: a segment without
    ``=`` continues the previous value instead of becoming a key of its own.
    """
    raw: list[list[str]] = []
    for segment in query.split("&"):
        if "=" not in segment and raw:
            raw[-1][1] += "&" + segment
        elif segment:
            key, _, value = segment.partition("=")
            raw.append([key, value])
    return [(unquote_plus(k), unquote_plus(v)) for k, v in raw]


def is_version_1(pairs: list[tuple[str, str]]) -> bool:
    prefixes = ("rft_", "rft.", "req_", "req.", "url_ver", "ctx_ver")
    return any(key.startswith(prefixes) for key, _ in pairs)


def _title_target(genre: str) -> str:
    return "rft.jtitle" if genre in {"article", "proceeding", "journal", "issue"} else "rft.btitle"


def upgrade_0_1(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Rewrite OpenURL 0.1 keys to their 1.0 KEV names."""
    genre = next((v.strip().lower() for k, v in pairs if k == "genre"), "")
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        if key == "sid":
            out.append(("rfr_id", value))
        elif key == "id":
            out.append(("rft_id", value))
        elif key == "pid":
            out.append(("rft_dat", value))
        elif key == "title":
            out += [("rft.title", value), (_title_target(genre), value)]
        elif key == "pickupLocation":
            out.append(("svc.pickupLocation", value))
        elif key in KEPT_SVC or key.startswith(("svc.", "svc_", "req.", "req_", "res.")):
            out.append((key, value))
        else:
            out.append((f"rft.{key}", value))
    return out


def _id_value(identifier: str) -> tuple[str, str] | None:
    """``info:doi/10.1/x`` → ("doi", "10.1/x"); also ``doi:``, ``urn:ISBN:``, ``pmid:``."""
    ident = identifier.strip()
    patterns = (
        (r"^info:doi/(.+)$", "doi"), (r"^doi:(.+)$", "doi"), (r"^info:pmid/(\d+)$", "pmid"),
        (r"^pmid:(\d+)$", "pmid"), (r"^urn:isbn:(.+)$", "isbn"), (r"^urn:issn:(.+)$", "issn"),
        (r"^info:oclcnum/(\d+)$", "oclc"), (r"^oclcnum:(\d+)$", "oclc"),
    )
    for pattern, kind in patterns:
        m = re.match(pattern, ident, re.IGNORECASE)
        if m and m.group(1).strip():
            return kind, m.group(1).strip()
    return None


def _number(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _pages(spage: str | None, epage: str | None,
           pages: str | None) -> tuple[str | None, str | None]:
    """(start page, number of pages) from spage/epage, else from a ``N-M`` range."""
    start, end = _number(spage), _number(epage)
    if start is not None and end is not None and end >= start:
        return str(start), str(end - start + 1)
    m = _RANGE.match(pages or "")
    if m and int(m.group(2)) >= int(m.group(1)):
        first, last = int(m.group(1)), int(m.group(2))
        return (spage.strip() if spage else str(first)), str(last - first + 1)
    return (spage.strip() if spage and spage.strip() else None), None


def build_author(get: Mapping[str, str | None]) -> str | None:
    """``au`` ‖ ``creator`` ‖ "Last, First M." from the parts ‖ ``aucorp``."""
    for key in ("au", "creator"):
        if get.get(key):
            return get[key]
    last, first, middle = get.get("aulast"), get.get("aufirst"), get.get("auinitm")
    initials = get.get("auinit") or get.get("auinit1") or get.get("auinitl")
    given = first or initials
    if given and middle and middle not in given:
        given = f"{given} {middle}"
    author = f"{last}, {given}" if last and given else (last or given)
    if author and get.get("ausuffix"):
        author = f"{author}, {get['ausuffix']}"
    return author or get.get("aucorp")
