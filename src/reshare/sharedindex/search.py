"""Reading the index: search clusters, show a cluster with its members and holdings, explain.

Searches return clusters (one per work), with facets counting clusters per library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from reshare.db import Database, ScopedSession
from reshare.errors import NotFound, ValidationFailed
from reshare.sharedindex import textindex
from reshare.sharedindex.cluster import chunks
from reshare.sharedindex.model import isbn13, issn
from reshare.sharedindex.store import BibRecord, Cluster, HoldingsRecord, MatchValue, Source

MAX_HITS = 10000  # records considered for one search (paging and facets)
MAX_LIMIT = 100


@dataclass(frozen=True)
class Query:
    keyword: str = ""
    title: str = ""
    author: str = ""
    isbn: str = ""
    issn: str = ""
    cluster_id: str = ""
    library: str = ""  # restrict to clusters a source (code) contributes to
    offset: int = 0
    limit: int = 20

    def fields(self) -> dict[str, list[str]]:
        found = {"keyword": textindex.words(self.keyword), "title": textindex.words(self.title),
                 "author": textindex.words(self.author)}
        return {k: v for k, v in found.items() if v}


@dataclass
class Member:
    source: str
    symbol: str
    local_id: str
    title: str
    author: str
    year: str
    isbn: str
    holdings: list[dict[str, Any]] = field(default_factory=list)


def resolve_cluster(session: ScopedSession, cluster_uuid: str) -> Cluster | None:
    """The live cluster for an id, following merges (an old id keeps working)."""
    found = session.scalars(select(Cluster).where(Cluster.uuid == cluster_uuid.strip()
                                                  .removeprefix("oai:"))).first()
    while found is not None and found.merged_into is not None:
        found = session.get(Cluster, found.merged_into)
    return found


def _text_hits(session: ScopedSession, words: dict[str, list[str]]) -> list[int]:
    if textindex.ensure_fts(session):
        rows = session.execute(text("SELECT r.cluster_id FROM si_fts JOIN si_records r ON "
                                    "r.id = si_fts.rowid WHERE si_fts MATCH :q LIMIT :n"),
                               {"q": textindex.sqlite_match(words), "n": MAX_HITS})
    else:
        rows = session.execute(text("SELECT cluster_id FROM si_records WHERE search @@ "
                                    "to_tsquery('simple', :q) LIMIT :n"),
                               {"q": textindex.pg_tsquery(words), "n": MAX_HITS})
    return [r[0] for r in rows if r[0] is not None]


def _value_hits(session: ScopedSession, value: str) -> list[int]:
    found = session.scalar(select(MatchValue.cluster_id).where(MatchValue.value == value))
    return [found] if found is not None else []


def cluster_ids_for(session: ScopedSession, query: Query) -> list[int]:
    """Clusters matching every criterion given, in a stable order (oldest first)."""
    sets: list[set[int]] = []
    if query.cluster_id:
        found = resolve_cluster(session, query.cluster_id)
        sets.append({found.id} if found is not None and found.size > 0 else set())
    if query.isbn:
        number = isbn13(query.isbn)
        sets.append(set(_value_hits(session, f"isbn:{number}")) if number else set())
    if query.issn:
        number = issn(query.issn)
        sets.append(set(_value_hits(session, f"issn:{number}")) if number else set())
    words = query.fields()
    if words:
        sets.append(set(_text_hits(session, words)))
    if not sets:
        raise ValidationFailed("give at least one of keyword, title, author, isbn, issn or "
                               "cluster_id")
    hits = set.intersection(*sets)
    if query.library and hits:
        hits &= _clusters_of_source(session, query.library, hits)
    return sorted(hits)


def _clusters_of_source(session: ScopedSession, code: str, among: set[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(sorted(among)):
        found.update(session.scalars(select(BibRecord.cluster_id).join(Source).where(
            Source.code == code.upper(), BibRecord.cluster_id.in_(part))))
    return found


def facets(session: ScopedSession, hits: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in chunks(hits):
        rows = session.execute(select(Source.code, func.count(func.distinct(BibRecord.cluster_id)))
                               .join(Source).where(BibRecord.cluster_id.in_(part))
                               .group_by(Source.code))
        for code, n in rows:
            counts[code] = counts.get(code, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def members(session: ScopedSession, cluster_ids: list[int]) -> dict[int, list[Member]]:
    """Members of clusters, sorted by source code then local id, with MFHD holdings added."""
    found: dict[int, list[Member]] = {c: [] for c in cluster_ids}
    for part in chunks(cluster_ids):
        rows = session.execute(
            select(BibRecord.cluster_id, Source.code, Source.symbol, Source.id, BibRecord.local_id,
                   BibRecord.title, BibRecord.author, BibRecord.year, BibRecord.isbn,
                   BibRecord.holdings).join(Source).where(BibRecord.cluster_id.in_(part))
            .order_by(Source.code, BibRecord.local_id)).all()
        extra = _mfhd_holdings(session, [(r[3], r[4]) for r in rows])
        for cid, code, symbol, sid, local, title, author, year, isbn, holdings in rows:
            found[cid].append(Member(code, symbol, local, title, author, year, isbn,
                                     list(holdings or []) + extra.get((sid, local), [])))
    return found


def _mfhd_holdings(session: ScopedSession,
                   keys: list[tuple[int, str]]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    found: dict[tuple[int, str], list[dict[str, Any]]] = {}
    wanted = set(keys)
    for part in chunks(sorted({local for _, local in keys})):
        rows = session.execute(select(HoldingsRecord.source_id, HoldingsRecord.bib_local_id,
                                      HoldingsRecord.holdings)
                               .where(HoldingsRecord.bib_local_id.in_(part)))
        for sid, bib, holdings in rows:
            if (sid, bib) in wanted:
                found.setdefault((sid, bib), []).extend(holdings or [])
    return found


def cluster_summary(cluster: Cluster, parts: list[Member]) -> dict[str, Any]:
    first = parts[0] if parts else None
    return {
        "cluster_id": cluster.uuid,
        "datestamp": cluster.datestamp.isoformat(),
        "title": first.title if first else "",
        "author": first.author if first else "",
        "year": first.year if first else "",
        "isbn": sorted({n for m in parts for n in m.isbn.split() if n}),
        "libraries": sorted({m.source for m in parts}),
        "records": [{"source": m.source, "symbol": m.symbol, "local_id": m.local_id,
                     "holdings": m.holdings} for m in parts],
    }


def search(db: Database, query: Query) -> dict[str, Any]:
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(0, query.offset)
    with db.unscoped() as session:
        hits = cluster_ids_for(session, query)
        page = hits[offset:offset + limit]
        clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(page)))}
        parts = members(session, page)
        return {"total": len(hits), "offset": offset, "limit": limit,
                "capped": len(hits) >= MAX_HITS,
                "facets": {"library": facets(session, hits)},
                "clusters": [cluster_summary(clusters[c], parts[c]) for c in page]}


def get_cluster(db: Database, cluster_uuid: str) -> dict[str, Any]:
    with db.unscoped() as session:
        found = resolve_cluster(session, cluster_uuid)
        if found is None or found.size == 0:
            raise NotFound(f"no cluster {cluster_uuid} in the shared index (it may have been "
                           "removed when its last record was deleted)")
        summary = cluster_summary(found, members(session, [found.id])[found.id])
        summary["match_values"] = sorted(session.scalars(
            select(MatchValue.value).where(MatchValue.cluster_id == found.id)))
        return summary
