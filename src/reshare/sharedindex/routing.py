"""Rota source: the request engine's RoutingPort, answered from a shared index.

``routing_for_tenant`` reads the tenant's settings:
* ``shared_index_integration=folio`` with an empty ``shared_index_base_url``: this
  installation's own index (:class:`LocalIndexRouting`);
* ``oaipmh`` with a base URL: a remote index speaking ReShare's 999 convention
  (:class:`OaiPmhRouting`; OAI-PMH GetRecord by cluster id, SRU for numbers and titles);
* anything else: :class:`NullRouting`, or an adapter that says why it cannot route.

Matching: by cluster id when given, else ISBN, else ISSN, else title and author.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx
from lxml import etree
from sqlalchemy import select

from reshare.db import Database, ScopedSession
from reshare.platform import Platform
from reshare.requests.ports import BibQuery, Holding, NullRouting, RoutingPort, RoutingResult
from reshare.settings.service import get_values
from reshare.sharedindex.search import Query, cluster_ids_for, members, resolve_cluster
from reshare.sharedindex.store import Cluster

MARC_NS = "http://www.loc.gov/MARC21/slim"


class UnavailableRouting:
    """A configuration we cannot route with; says why on every call."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def lenders_for(self, query: BibQuery) -> RoutingResult:
        return RoutingResult(reason=self.reason)


def _lendable(holdings: list[dict[str, Any]]) -> bool:
    return not holdings or any(h.get("lendable", True) for h in holdings)


def _first(holdings: list[dict[str, Any]], key: str) -> str:
    chosen = [h for h in holdings if h.get("lendable", True)] or holdings
    return str(next((h.get(key) for h in chosen if h.get(key)), ""))


class LocalIndexRouting:
    """Lenders from this installation's shared index."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _cluster(self, session: ScopedSession, query: BibQuery) -> tuple[Cluster | None, str]:
        for cid in (query.cluster_id, query.system_instance_id):
            if cid:
                found = resolve_cluster(session, cid)
                if found is not None and found.size > 0:
                    return found, f"cluster {cid}"
        attempts = [("isbn", Query(isbn=query.isbn)), ("issn", Query(issn=query.issn))]
        if query.title:
            attempts.append(("title and author", Query(title=query.title, author=query.author)))
        for what, q in attempts:
            if not (q.isbn or q.issn or q.title):
                continue
            hits = cluster_ids_for(session, q)
            if hits:
                best = max(session.scalars(select(Cluster).where(Cluster.id.in_(hits[:50]))),
                           key=lambda c: (c.size, -c.id))
                return best, what
        return None, ""

    def lenders_for(self, query: BibQuery) -> RoutingResult:
        with self.db.reading() as session:  # installation-wide tables, read-only
            found, how = self._cluster(session, query)
            if found is None:
                return RoutingResult(reason="no matching record in the shared index (by "
                                            "cluster id, ISBN, ISSN or title and author)")
            holdings = [Holding(symbol=m.symbol, local_record_id=m.local_id,
                                lendable=_lendable(m.holdings), cluster_id=found.uuid,
                                call_number=_first(m.holdings, "call_number"),
                                location=_first(m.holdings, "location"))
                        for m in members(session, [found.id])[found.id]]
        return RoutingResult(holdings=holdings, reason=f"matched by {how}")


def holdings_from_marcxml(content: bytes) -> list[Holding]:
    """``999 1 1`` holdings of the MARCXML records in an OAI-PMH or SRU response.

    One entry per (symbol, local id); lendable when any copy is (``$p`` missing or LOANABLE).
    """
    root = etree.fromstring(content, parser=etree.XMLParser(recover=True, huge_tree=True))
    found: dict[tuple[str, str], Holding] = {}
    for record in root.iter(f"{{{MARC_NS}}}record") if root is not None else []:
        cluster = ""
        for df in record.iter(f"{{{MARC_NS}}}datafield"):
            if df.get("tag") != "999" or df.get("ind1") != "1":
                continue
            subs: dict[str, str] = {}
            for sf in df.iter(f"{{{MARC_NS}}}subfield"):
                subs.setdefault(sf.get("code", ""), (sf.text or "").strip())
            if df.get("ind2") == "0":
                cluster = subs.get("i", cluster)
            elif df.get("ind2") == "1" and subs.get("s") and subs.get("l"):
                lendable = subs.get("p", "LOANABLE").upper() in ("", "LOANABLE")
                key = (subs["s"], subs["l"])
                previous = found.get(key)
                if previous is None or (lendable and not previous.lendable):
                    found[key] = Holding(symbol=subs["s"], local_record_id=subs["l"],
                                         lendable=lendable, cluster_id=cluster,
                                         call_number=subs.get("c", ""),
                                         location=subs.get("a", ""))
    return list(found.values())


class OaiPmhRouting:
    """Lenders from a remote shared index (Reservoir or another installation of ours)."""

    def __init__(self, base_url: str, client: httpx.Client | None = None,
                 timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(follow_redirects=True, timeout=timeout)

    @property
    def sru_url(self) -> str:
        return self.base_url[:-4] + "/sru" if self.base_url.endswith("/oai") else self.base_url

    def _get(self, url: str, params: dict[str, str]) -> bytes:
        response = self.client.get(url, params=params)
        response.raise_for_status()
        return response.content

    def _by_cluster(self, cluster_id: str) -> list[Holding]:
        for identifier in (cluster_id, f"oai:{cluster_id}"):
            content = self._get(self.base_url, {"verb": "GetRecord", "identifier": identifier,
                                                "metadataPrefix": "marcxml"})
            holdings = holdings_from_marcxml(content)
            if holdings:
                return holdings
        return []

    def _by_sru(self, cql: str) -> list[Holding]:
        content = self._get(self.sru_url, {"version": "2.0", "operation": "searchRetrieve",
                                           "query": cql, "maximumRecords": "1",
                                           "recordSchema": "marcxml"})
        return holdings_from_marcxml(content)

    def lenders_for(self, query: BibQuery) -> RoutingResult:
        cid = query.cluster_id or query.system_instance_id
        searches: list[tuple[str, Callable[[], list[Holding]]]] = []
        if cid:
            searches.append((f"cluster {cid}", lambda: self._by_cluster(cid)))
        for what, value in (("isbn", query.isbn), ("issn", query.issn)):
            if value:
                searches.append((what, functools.partial(self._by_sru, f'{what}="{_q(value)}"')))
        if query.title:
            cql = f'title="{_q(query.title)}"' + (f' and author="{_q(query.author)}"'
                                                  if query.author else "")
            searches.append(("title and author", lambda: self._by_sru(cql)))
        try:
            for what, run in searches:
                holdings = run()
                if holdings:
                    return RoutingResult(holdings=holdings, reason=f"matched by {what}")
        except (httpx.HTTPError, etree.XMLSyntaxError) as exc:
            return RoutingResult(reason=f"shared index at {self.base_url} could not be "
                                        f"queried: {exc}")
        return RoutingResult(reason=f"no holdings found in the shared index at {self.base_url}")


def _q(text: str) -> str:
    return text.replace("\\", " ").replace('"', " ")


def routing_for_tenant(platform: Platform, tenant_id: int) -> RoutingPort:
    """The rota source a tenant's settings choose."""
    with platform.db.reading(tenant_id) as session:  # callers may hold a write transaction
        values = get_values(session)
    integration = (values.get("shared_index_integration") or "").lower()
    base_url = (values.get("shared_index_base_url") or "").strip()
    if integration == "folio" and not base_url:
        return LocalIndexRouting(platform.db)
    if integration == "oaipmh" and base_url:
        client = platform.extras.get("sharedindex_http_client")
        return OaiPmhRouting(base_url, client=client)
    if integration == "oaipmh":
        return UnavailableRouting("shared_index_integration is oaipmh but "
                                  "shared_index_base_url is empty: set the OAI-PMH base URL")
    if integration == "folio":
        return UnavailableRouting(f"a remote FOLIO shared index ({base_url}) is not supported; "
                                  "use oaipmh with its OAI-PMH URL, or clear the base URL to "
                                  "use this installation's index")
    return NullRouting()
