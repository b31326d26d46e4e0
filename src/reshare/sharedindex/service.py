"""Use cases of the shared index: sources, loading, installation options, statistics.

Who may do what (see docs/sharedindex.md): any staff user reads and searches the index; a
source belongs to the tenant that registered it, and only that tenant's admins may change
it or load records into it. Platform commands (CLI) act on any source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select, update

from reshare.db import Database, ScopedSession
from reshare.errors import Conflict, NotFound, ValidationFailed
from reshare.sharedindex import cluster, ingest, marcio, textindex
from reshare.sharedindex.matchkeys import MATCHERS
from reshare.sharedindex.model import check_source_code, mapping_from
from reshare.sharedindex.store import (
    BibRecord,
    Cluster,
    HoldingsRecord,
    IndexSetting,
    MatchValue,
    Source,
)

DEFAULT_MATCHER = "goldrush2024"
EDITABLE = ("symbol", "name", "preset", "mapping", "oai_url", "oai_set", "oai_prefix")


def matcher(db: Database) -> str:
    with db.unscoped() as session:
        row = session.get(IndexSetting, "matcher")
        return row.value if row is not None else DEFAULT_MATCHER


def source_view(source: Source, *, manage: bool) -> dict[str, Any]:
    """What a staff user sees; harvest settings only for the library that runs the source."""
    view: dict[str, Any] = {"code": source.code, "symbol": source.symbol, "name": source.name,
                            "preset": source.preset, "mapping": source.mapping}
    if manage:
        view.update({"oai_url": source.oai_url, "oai_set": source.oai_set,
                     "oai_prefix": source.oai_prefix, "oai_from": source.oai_from,
                     "harvest": source.oai_status})
    return view


def _check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"unknown source fields {sorted(unknown)}; use {list(EDITABLE)}")
    if "preset" in fields or "mapping" in fields:
        mapping_from(fields.get("preset", "852"), fields.get("mapping"))
    symbol = fields.get("symbol")
    if symbol is not None and (":" not in symbol or len(symbol) > 64):
        raise ValidationFailed(f"symbol {symbol!r} must be AUTHORITY:SYMBOL, e.g. RESHARE:NJSOOS",
                               details={"field": "symbol"})
    url = fields.get("oai_url")
    if url and not str(url).startswith(("http://", "https://")):
        raise ValidationFailed("oai_url must be an http(s) URL", details={"field": "oai_url"})
    return fields


def create_source(db: Database, code: str, *, tenant_id: int | None,
                  **fields: Any) -> dict[str, Any]:
    code = check_source_code(code)
    fields = _check_fields({"symbol": f"RESHARE:{code}", **fields})
    if fields.get("preset") != "custom":
        fields["mapping"] = {}
    with db.unscoped() as session:
        if session.scalar(select(Source.id).where(Source.code == code)) is not None:
            raise Conflict(f"source {code} exists already; change it, or pick another code")
        source = Source(code=code, tenant_id=tenant_id, **fields)
        session.add(source)
        session.flush()
        return source_view(source, manage=True)


def _source(session: ScopedSession, code: str, tenant_id: int | None) -> Source:
    source = session.scalars(select(Source).where(Source.code == code.strip().upper())).first()
    if source is None or (tenant_id is not None and source.tenant_id != tenant_id):
        raise NotFound(f"no source {code.upper()} that your library administers; create it "
                       "with POST /sharedindex/sources")
    return source


def get_source(db: Database, code: str, tenant_id: int | None = None) -> Source:
    """The source ``code``; with ``tenant_id``, only if that tenant administers it."""
    with db.unscoped() as session:
        return _source(session, code, tenant_id)


def update_source(db: Database, code: str, tenant_id: int | None,
                  **fields: Any) -> dict[str, Any]:
    fields = _check_fields(fields)
    with db.unscoped() as session:
        source = _source(session, code, tenant_id)
        if "oai_set" in fields and fields["oai_set"] != source.oai_set:
            source.oai_from, source.oai_token = None, None  # a new set means a full harvest
        for key, value in fields.items():
            setattr(source, key, value)
        if source.preset != "custom":
            source.mapping = {}
        return source_view(source, manage=True)


def list_sources(db: Database, tenant_id: int | None = None) -> list[dict[str, Any]]:
    with db.unscoped() as session:
        sources = session.scalars(select(Source).order_by(Source.code)).all()
        return [source_view(s, manage=tenant_id is None or s.tenant_id == tenant_id)
                for s in sources]


def _forget_records(session: ScopedSession, where: Any) -> None:
    rows = session.execute(select(BibRecord.id, BibRecord.cluster_id).where(where)).all()
    ids = [r[0] for r in rows]
    textindex.unindex(session, ids)
    for part in cluster.chunks(ids):
        session.execute(delete(BibRecord).where(BibRecord.id.in_(part)))
    touched: set[int] = set()
    cluster.recheck(session, {r[1] for r in rows if r[1] is not None}, touched)
    cluster.refresh(session, touched)


def delete_source(db: Database, code: str, tenant_id: int | None) -> None:
    """Remove a source and every record it contributed (its clusters are updated)."""
    with db.unscoped() as session:
        source = _source(session, code, tenant_id)
        _forget_records(session, BibRecord.source_id == source.id)
        session.execute(delete(HoldingsRecord).where(HoldingsRecord.source_id == source.id))
        session.delete(source)


def load_stream(db: Database, code: str, stream: BinaryIO, tenant_id: int | None = None,
                progress: Callable[[int], None] | None = None,
                workers: int = 1) -> ingest.LoadReport:
    """Load ISO 2709 / MARCXML / MARC-in-JSON (gzipped or not) into source ``code``.

    With ``workers`` > 1, ISO 2709 input is parsed and keyed in that many processes.
    """
    source = get_source(db, code, tenant_id)
    name = matcher(db)
    if workers > 1:
        buffered = marcio.open_stream(stream)
        if marcio.is_iso2709(buffered):
            from reshare.sharedindex import parallel

            pieces = marcio.iso_pieces(iter(lambda: buffered.read(1 << 20), b""))
            return parallel.load_parallel(db, source, ((p, None) for p in pieces), name,
                                          workers, progress)
        stream = buffered
    return ingest.load_items(db, source, marcio.read_marc_stream(stream), name,
                             progress=progress)


def load_reads(db: Database, code: str, reads: Iterable[Any]) -> ingest.LoadReport:
    source = get_source(db, code)
    return ingest.load_items(db, source, reads, matcher(db))


def set_matcher(db: Database, name: str) -> int:
    """Choose the GoldRush version and re-cluster everything; returns records re-clustered.

    Cluster ids are not kept across a change of matcher (the keys are different).
    """
    if name not in MATCHERS:
        raise ValidationFailed(f"unknown matcher {name!r}; use one of {sorted(MATCHERS)}")
    with db.unscoped() as session:
        session.merge(IndexSetting(key="matcher", value=name))
        session.execute(update(BibRecord).values(cluster_id=None))
        session.execute(delete(MatchValue))
        session.execute(delete(Cluster))
        sources = session.scalars(select(Source)).all()
    total = 0
    for source in sources:
        total += rebuild_source(db, source, name)
    return total


def rebuild_source(db: Database, source: Source, name: str) -> int:
    last = 0
    count = 0
    while True:
        with db.unscoped() as session:
            rows = session.execute(select(BibRecord.id, BibRecord.fmt, BibRecord.marc)
                                   .where(BibRecord.source_id == source.id, BibRecord.id > last)
                                   .order_by(BibRecord.id).limit(ingest.BATCH)).all()
        if not rows:
            return count
        last = rows[-1][0]
        reads = [marcio.ReadRecord(i, marcio.from_storage(fmt, data),
                                   data if fmt == "iso" else None)
                 for i, (_, fmt, data) in enumerate(rows, start=count + 1)]
        ingest.load_items(db, source, reads, name)
        count += len(rows)


def stats(db: Database) -> dict[str, Any]:
    name = matcher(db)
    with db.unscoped() as session:
        per_source = session.execute(
            select(Source.code, func.count(BibRecord.id)).outerjoin(
                BibRecord, BibRecord.source_id == Source.id).group_by(Source.code)
            .order_by(Source.code)).all()
        return {
            "matcher": name,
            "records": session.scalar(select(func.count(BibRecord.id))),
            "holdings_records": session.scalar(select(func.count(HoldingsRecord.id))),
            "clusters": session.scalar(select(func.count(Cluster.id)).where(Cluster.size > 0)),
            "removed_clusters": session.scalar(select(func.count(Cluster.id))
                                               .where(Cluster.size == 0)),
            "match_values": session.scalar(select(func.count()).select_from(MatchValue)),
            "sources": {code: n for code, n in per_source},
        }
