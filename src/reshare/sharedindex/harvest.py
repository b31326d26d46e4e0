"""OAI-PMH harvesting of a library's server into its source.

``ListRecords`` page by page; after every page the resumption token and the newest datestamp
seen are committed with the records, so a crashed run resumes where it stopped and the next
run is incremental (``from``). The OAI identifier is the record's local id (as Reservoir
does); a deleted header removes the record. HTTP 408/429/5xx and network errors are retried
(honouring ``Retry-After``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pymarc
from lxml import etree

from reshare.db import Database, utcnow
from reshare.sharedindex import ingest, marcio, service
from reshare.sharedindex.store import Source

OAI = "http://www.openarchives.org/OAI/2.0/"
RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class HarvestError(Exception):
    pass


@dataclass
class HarvestOptions:
    retries: int = 3
    wait_seconds: float = 10.0
    max_pages: int | None = None  # stop after this many pages (the token is kept)
    timeout: float = 60.0
    params: dict[str, str] = field(default_factory=dict)  # extra query parameters (e.g. limit)


def _wait(response: httpx.Response | None, default: float) -> float:
    header = response.headers.get("retry-after") if response is not None else None
    if header:
        if header.strip().isdigit():
            return min(float(header), 300.0)
        try:
            return max(0.0, min((parsedate_to_datetime(header) - utcnow()).total_seconds(),
                                300.0))
        except (TypeError, ValueError):
            pass
    return default


def fetch(client: httpx.Client, url: str, params: dict[str, str],
          options: HarvestOptions, sleep: Callable[[float], None] = time.sleep) -> bytes:
    """GET with retries on transient failures; raises HarvestError when they run out."""
    last = ""
    for attempt in range(options.retries + 1):
        response = None
        try:
            response = client.get(url, params=params)
            if response.status_code == 200:
                return response.content
            last = f"HTTP {response.status_code} from {url}"
            if response.status_code not in RETRY_STATUS:
                break
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__} talking to {url}: {exc}"
        if attempt < options.retries:
            sleep(_wait(response, options.wait_seconds))
    raise HarvestError(last)


@dataclass
class Page:
    entries: list[tuple[marcio.ReadRecord | marcio.BadRecord, str, bool]]
    token: str | None
    newest: str | None
    error: tuple[str, str] | None = None


def parse_page(content: bytes, start: int) -> Page:
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(recover=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise HarvestError(f"the OAI-PMH response is not XML: {exc}") from None
    if root is None:
        raise HarvestError("the OAI-PMH response is empty")
    error = root.find(f"{{{OAI}}}error")
    if error is not None:
        return Page([], None, None, (error.get("code", ""), (error.text or "").strip()))
    entries: list[Any] = []
    newest = None
    position = start
    for record in root.iter(f"{{{OAI}}}record"):
        position += 1
        header = record.find(f"{{{OAI}}}header")
        if header is None:
            continue
        identifier = (header.findtext(f"{{{OAI}}}identifier") or "").strip()
        datestamp = (header.findtext(f"{{{OAI}}}datestamp") or "").strip()
        newest = max(newest or datestamp, datestamp)
        entries.append(_entry(record, header, identifier, position))
    token = root.findtext(f".//{{{OAI}}}resumptionToken")
    return Page(entries, (token or "").strip() or None, newest)


def _entry(record: Any, header: Any, identifier: str, position: int) -> Any:
    placeholder = marcio.ReadRecord(position, pymarc.Record(), None)
    if header.get("status") == "deleted":
        return (placeholder, identifier, True)
    marc = next((e for e in record.iter() if isinstance(e.tag, str)
                 and e.tag.rsplit("}", 1)[-1] == "record" and marcio._is_marc_record(e)), None)
    if marc is None:
        return (marcio.BadRecord(position, f"{identifier}: no MARCXML in the metadata"), "",
                False)
    return (marcio.ReadRecord(position, marcio._xml_record(marc), None), identifier, False)


def _save(db: Database, source_id: int, **changes: Any) -> None:
    with db.unscoped() as session:
        source = session.get(Source, source_id)
        assert source is not None
        status = dict(source.oai_status or {})
        status.update(changes.pop("status", {}))
        source.oai_status = status
        for key, value in changes.items():
            setattr(source, key, value)


def _pages(client: httpx.Client, source: Source, options: HarvestOptions) -> Iterator[Page]:
    token = source.oai_token
    seen = 0
    pages = 0
    while True:
        if token:
            params = {"verb": "ListRecords", "resumptionToken": token}
        else:
            params = {"verb": "ListRecords", "metadataPrefix": source.oai_prefix or "marcxml"}
            if source.oai_set:
                params["set"] = source.oai_set
            if source.oai_from:
                params["from"] = source.oai_from
        params.update(options.params)
        page = parse_page(fetch(client, source.oai_url or "", params, options), seen)
        seen += len(page.entries)
        pages += 1
        yield page
        if page.error or not page.token or page.token == token:
            return
        token = page.token
        if options.max_pages is not None and pages >= options.max_pages:
            return


def harvest(db: Database, code: str, client: httpx.Client | None = None,
            options: HarvestOptions | None = None) -> dict[str, Any]:
    """Harvest source ``code`` from its ``oai_url``; returns the run's status."""
    options = options or HarvestOptions()
    source = service.get_source(db, code)
    if not source.oai_url:
        raise HarvestError(f"source {source.code} has no oai_url to harvest from")
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=options.timeout)
    started = time.monotonic()
    report = ingest.LoadReport()
    _save(db, source.id, status={"status": "running", "error": None,
                                 "last_started": utcnow().isoformat()})
    try:
        for page in _pages(client, source, options):
            if page.error and page.error[0] != "noRecordsMatch":
                raise HarvestError(f"OAI-PMH error {page.error[0]}: {page.error[1]}")
            if page.entries:
                done = service.load_reads(db, source.code, page.entries)
                for name in ("processed", "inserted", "updated", "deleted", "ignored"):
                    setattr(report, name, getattr(report, name) + getattr(done, name))
                report.errors.extend(done.errors[:ingest.MAX_REPORTED - len(report.errors)])
            source = service.get_source(db, code)
            changes: dict[str, Any] = {"oai_token": page.token}
            if page.newest and (not source.oai_from or page.newest > source.oai_from):
                changes["oai_from"] = page.newest
            _save(db, source.id, **changes)
            source = service.get_source(db, code)
    except HarvestError as exc:
        _save(db, source.id, status={"status": "error", "error": str(exc)})
        raise
    finally:
        if own_client:
            client.close()
    elapsed = max(time.monotonic() - started, 1e-6)
    status = {"status": "idle", "last_finished": utcnow().isoformat(),
              "last_records": report.processed, "inserted": report.inserted,
              "updated": report.updated, "deleted": report.deleted, "ignored": report.ignored,
              "errors": report.errors[:20],
              "records_per_second": round(report.processed / elapsed, 1)}
    _save(db, source.id, status=status)
    return {**(service.get_source(db, code).oai_status or {})}
