"""Is a copy available to lend, and where: ReShare's search strategies over Z39.50 or SRU, the
profile's holdings rule, and the staff's location preferences.

Strategies, in ReShare's order: the supplier's local record id (final: no fallback), ISBN, title.
Searchers are swappable: :class:`ZoomSearcher` (Z39.50 via libyaz), :class:`SruSearcher`
(SRU 2.0 with CQL), :class:`ProxySearcher` (ReShare's HTTP-to-Z39.50 gateway URL shape).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from reshare.lms.http import tls_context
from reshare.lms.ncip.xml import Element
from reshare.lms.profiles import LmsProfile
from reshare.lms.z3950 import zoom
from reshare.lms.z3950.holdings import (
    ItemLocation,
    SruDiagnostic,
    available_items,
    parse_record,
    records_from_sru,
)
from reshare.requests.ports import Availability, BibQuery, CopyFound

traffic_log = logging.getLogger("reshare.lms.z3950.traffic")


@dataclass(frozen=True)
class Strategy:
    name: str
    pqf: str
    cql: str
    max_records: int
    final: bool = False


def _clean(value: str) -> str:
    return value.replace('"', " ").replace("\\", " ").strip()


def strategies(query: BibQuery, profile: LmsProfile) -> Iterator[Strategy]:
    rid, isbn, title = (_clean(v) for v in (query.system_instance_id, query.isbn, query.title))
    if profile.name.startswith("wms"):  # the WMS SRU connector's own CQL order, 3 records each
        if rid:
            yield Strategy("record id", "", f'rec.identifier="{rid}"', 3)
        if title and isbn:
            yield Strategy("title and ISBN", "", f'dc.title="{title}" and bath.isbn="{isbn}"', 3)
    elif rid:
        yield Strategy("local record id", profile.local_id_query(rid), f'rec.id="{rid}"', 1,
                       final=True)
        return
    if isbn:
        yield Strategy("ISBN", f'@attr 1=7 "{isbn}"', f'bath.isbn="{isbn}"', 3)
    if title:
        yield Strategy("title", f'@attr 1=4 "{title}"', f'dc.title="{title}"', 3)


class Searcher(Protocol):
    def search(self, strategy: Strategy, schema: str) -> list[Element]: ...


class ZoomSearcher:
    def __init__(self, address: str, timeout: int = 30) -> None:
        self.target = zoom.Target.parse(address)
        self.timeout = timeout

    def search(self, strategy: Strategy, schema: str) -> list[Element]:
        _, records = zoom.search(self.target, strategy.pqf, max_records=strategy.max_records,
                                 syntax=schema, timeout=self.timeout)
        return [parse_record(r) for r in records]


class SruSearcher:
    """SRU 2.0 searchRetrieve with CQL; ``extra`` carries e.g. the WMS connector credentials."""

    def __init__(self, base_url: str, timeout: float = 30.0,
                 extra: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.extra = extra or {}

    def search(self, strategy: Strategy, schema: str) -> list[Element]:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": strategy.cql,
                  "maximumRecords": str(strategy.max_records), "recordSchema": schema,
                  **self.extra}
        response = httpx.get(self.base_url, params=params, timeout=self.timeout,
                             verify=tls_context())
        response.raise_for_status()
        return records_from_sru(response.content)


class ProxySearcher:
    """ReShare's metaproxy gateway: ``?x-target=…&x-pquery=…`` answering SRU."""

    def __init__(self, proxy_url: str, target: str, timeout: float = 30.0) -> None:
        has_path = urlsplit(proxy_url).path not in ("", "/")
        self.proxy_url = proxy_url if has_path else proxy_url.rstrip("/") + "/"
        self.target = target
        self.timeout = timeout

    def search(self, strategy: Strategy, schema: str) -> list[Element]:
        params = {"x-target": self.target, "x-pquery": strategy.pqf,
                  "maximumRecords": str(strategy.max_records)}
        if schema == "marcxml":
            params["recordSchema"] = "marcxml"
        response = httpx.get(self.proxy_url, params=params, timeout=self.timeout,
                             verify=tls_context())
        response.raise_for_status()
        return records_from_sru(response.content)


Picker = Callable[[list[ItemLocation]], ItemLocation | None]
SEARCH_ERRORS = (zoom.Z3950Error, zoom.YazUnavailable, SruDiagnostic, httpx.HTTPError, OSError,
                 ValueError)


def first_copy(items: list[ItemLocation]) -> ItemLocation | None:
    return items[0] if items else None


class CatalogueAvailability:
    """AvailabilityPort over one catalogue; ``pick`` ranks copies (default: the first)."""

    def __init__(self, profile: LmsProfile, searcher: Searcher, pick: Picker = first_copy,
                 *, log_traffic: bool = False) -> None:
        self.profile = profile
        self.searcher = searcher
        self.pick = pick
        self.log_traffic = log_traffic

    def find_copy(self, query: BibQuery) -> Availability:
        reason = "nothing to search by: no local record id, ISBN or title"
        for strategy in strategies(query, self.profile):
            try:
                records = self.searcher.search(strategy, self.profile.record_schema)
            except SEARCH_ERRORS as exc:
                return Availability(available=False, checked=False,
                                    reason=f"catalogue unreachable or refused the search: {exc}")
            items = available_items(self.profile.holdings, records)
            if self.log_traffic:
                traffic_log.info("%s %s: %d records, %s", self.profile.label, strategy.pqf
                                 or strategy.cql, len(records), items)
            if items is None:
                reason = (f"no single matching record by {strategy.name}" if records
                          else f"no record found by {strategy.name}")
            elif not items:
                reason = f"no copy available now (searched by {strategy.name})"
            else:
                best = self.pick(items)
                if best is not None:
                    return Availability(available=True, copy=_copy(best))
                reason = "copies found, but only at locations or under policies set not to lend"
            if strategy.final:
                break
        return Availability(available=False, reason=reason)


def _copy(item: ItemLocation) -> CopyFound:
    return CopyFound(location=item.effective_location,
                     shelving_location=item.effective_shelving or "",
                     call_number=(item.call_number or "").strip(), item_id=item.item_id or "",
                     loan_policy=item.loan_policy or "")


class ManualAvailability:
    """The manual profile: never claims a copy (ReShare's "spoof" location is not copied)."""

    def find_copy(self, query: BibQuery) -> Availability:
        return Availability(available=False, checked=False,
                            reason="host LMS integration is manual: check the shelves by hand")
