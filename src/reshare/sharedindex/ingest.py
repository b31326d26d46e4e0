"""Loading records into the index: parse, compute keys and holdings, store and cluster.

A load runs in batches; each batch is one transaction (clustering is serialised with an
advisory lock on PostgreSQL; SQLite serialises writers anyway). A bad record is reported
with its position and reason and skipped; it never aborts the load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, literal_column, select, text, update
from sqlalchemy.dialects import postgresql

from reshare.db import Database, ScopedSession, utcnow
from reshare.sharedindex import bulk, cluster, marcio, textindex
from reshare.sharedindex.bulk import among
from reshare.sharedindex.model import (
    PRESETS,
    Contribution,
    HoldingsMapping,
    Op,
    contribution,
    extract_holdings,
    local_id_of,
    operation_of,
)
from reshare.sharedindex.store import BibRecord, HoldingsRecord, Source

BATCH = 1000
MAX_REPORTED = 500
_records: Table = BibRecord.__table__  # type: ignore[assignment]
_mfhd: Table = HoldingsRecord.__table__  # type: ignore[assignment]
_STAGED_VECTOR = str(textindex.vector(literal_column("s_title"), literal_column("s_author"),
                                      literal_column("s_keyword"))
                     .compile(dialect=postgresql.dialect()))


@dataclass
class LoadReport:
    processed: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    holdings_records: int = 0
    ignored: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def bad(self, position: int, reason: str, offset: int | None = None) -> None:
        self.ignored += 1
        if len(self.errors) < MAX_REPORTED:
            entry: dict[str, Any] = {"position": position, "reason": reason}
            if offset is not None:
                entry["offset"] = offset
            self.errors.append(entry)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Item:
    """One parsed input record, ready for a batch.

    For an upsert, ``row`` holds the record's stored columns and ``search`` its search texts,
    both built where the record is parsed (a worker process in a parallel load), so the
    storing process only adds ids, clusters and timestamps."""

    op: Op
    local_id: str
    position: int
    fmt: str = "iso"
    marc: bytes = b""
    row: dict[str, Any] = field(default_factory=dict)
    search: dict[str, str] = field(default_factory=dict)
    bib_local_id: str = ""
    holdings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        keys: list[str] = self.row["keys"]
        return keys


def prepare(read: marcio.ReadRecord, mapping: HoldingsMapping, matcher: str,
            report: LoadReport, local_id: str | None = None,
            deleted: bool = False) -> Item | None:
    record = read.record
    local = local_id or local_id_of(record)
    if not local:
        report.bad(read.position, "no local id (001): the record cannot be identified, skipped")
        return None
    op = Op.DELETE if deleted else operation_of(record)
    if op == Op.DELETE:
        return Item(Op.DELETE, local, read.position)
    fmt, data = marcio.to_storage(record, read.raw)
    if op == Op.MFHD:
        parents = record.get_fields("004")
        bib = (parents[0].data or "").strip() if parents else ""
        if not bib:
            report.bad(read.position, f"holdings record {local} has no 004 (the bib it belongs "
                                      "to), skipped")
            return None
        holdings = [dataclasses.asdict(h) for h in extract_holdings(record, PRESETS["852"])]
        return Item(Op.MFHD, local, read.position, fmt, data, bib_local_id=bib,
                    holdings=holdings)
    found = contribution(record, mapping, matcher)
    return Item(Op.UPSERT, local, read.position, fmt, data, _row(local, fmt, data, found),
                _search(found))


def _row(local_id: str, fmt: str, marc: bytes, c: Contribution) -> dict[str, Any]:
    return {"local_id": local_id, "fmt": fmt, "marc": marc, "keys": c.keys,
            "holdings": [dataclasses.asdict(h) for h in c.holdings], "title": c.title[:4000],
            "author": c.author[:2000], "isbn": " ".join(c.isbns), "issn": " ".join(c.issns),
            "year": c.year}


def _search(c: Contribution) -> dict[str, str]:
    keyword = " ".join((c.text, " ".join(c.isbns), " ".join(c.issns), c.year))
    return {"title": c.title, "author": c.author, "keyword": keyword}


def _existing(session: ScopedSession, source_id: int,
              local_ids: list[str]) -> dict[str, tuple[int, int | None, list[str]]]:
    found = {}
    for condition in among(session, _records.c.local_id, local_ids):
        rows = session.execute(select(_records.c.local_id, _records.c.id, _records.c.cluster_id,
                                      _records.c["keys"])
                               .where(_records.c.source_id == source_id, condition))
        found.update({lid: (rid, cid, keys or []) for lid, rid, cid, keys in rows})
    return found


def _lock(session: ScopedSession) -> None:
    if bulk.is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(60606)"))


def _deletes(session: ScopedSession, source_id: int, items: list[Item],
             existing: dict[str, tuple[int, int | None, list[str]]], report: LoadReport,
             recheck: set[int]) -> None:
    ids = []
    for item in items:
        if item.local_id in existing:
            rid, cid, _ = existing.pop(item.local_id)
            ids.append(rid)
            if cid is not None:
                recheck.add(cid)
            report.deleted += 1
    textindex.unindex(session, ids)
    for condition in among(session, _records.c.id, ids):
        session.execute(delete(_records).where(condition))
    for condition in among(session, _mfhd.c.bib_local_id, [i.local_id for i in items]):
        session.execute(delete(_mfhd).where(_mfhd.c.source_id == source_id, condition))


def _upserts(session: ScopedSession, source_id: int, items: list[Item],
             existing: dict[str, tuple[int, int | None, list[str]]], report: LoadReport,
             recheck: set[int], touched: set[int], fresh: set[int]) -> None:
    to_cluster = [i for i in items if i.local_id not in existing
                  or existing[i.local_id][2] != i.keys or existing[i.local_id][1] is None]
    targets = cluster.assign(session, [i.keys for i in to_cluster], touched, fresh)
    target_of = {i.local_id: t for i, t in zip(to_cluster, targets, strict=True)}
    now = utcnow()
    new_rows, changed = [], []
    for item in items:
        row = {**item.row, "source_id": source_id, "updated_at": now}
        if item.local_id in existing:
            rid, old, _ = existing[item.local_id]
            row["b_id"] = rid
            row["cluster_id"] = target_of.get(item.local_id, old)
            if old is not None and (row["cluster_id"] != old or item.local_id in target_of):
                recheck.add(old)
            if row["cluster_id"] not in fresh:
                touched.add(row["cluster_id"])
            changed.append((rid, item, row))
        else:
            row["cluster_id"] = target_of[item.local_id]
            new_rows.append((item, row))
    if new_rows:
        _insert(session, new_rows)
        report.inserted += len(new_rows)
    if changed:
        _update(session, changed)
        report.updated += len(changed)


def _insert(session: ScopedSession, new_rows: list[tuple[Item, dict[str, Any]]]) -> None:
    ids = bulk.next_ids(session, _records, len(new_rows))
    numbered = list(zip(ids, new_rows, strict=True))
    if textindex.vector_in_row(session):
        bulk.copy_records(session, _records, [
            {"id": rid, **row, **textindex.params(item.search)}
            for rid, (item, row) in numbered], _STAGED_VECTOR)
        return
    bulk.insert_rows(session, _records, [{"id": rid, **row} for rid, (_, row) in numbered])
    textindex.index_rows(session, [{"id": rid, **item.search} for rid, (item, _) in numbered],
                         new=True)


def _update(session: ScopedSession, changed: list[tuple[int, Item, dict[str, Any]]]) -> None:
    change = update(_records).where(_records.c.id == bindparam("b_id"))
    if textindex.vector_in_row(session):
        change = change.values(search=textindex.vector())
        session.execute(change, [{**r, **textindex.params(i.search)} for _, i, r in changed])
    else:
        session.execute(change, [r for _, _, r in changed])
        textindex.index_rows(session, [{"id": rid, **item.search} for rid, item, _ in changed])


def _holdings(session: ScopedSession, source_id: int, items: list[Item],
              report: LoadReport) -> None:
    """Attach MFHD records to their bib (004 = the bib's 001, same source)."""
    bibs: dict[str, int | None] = {}
    wanted = sorted({i.bib_local_id for i in items})
    for condition in among(session, _records.c.local_id, wanted):
        rows = session.execute(select(_records.c.local_id, _records.c.cluster_id)
                               .where(_records.c.source_id == source_id, condition)).all()
        bibs.update({local: cid for local, cid in rows})
    attached = []
    for item in items:
        if item.bib_local_id not in bibs:
            report.bad(item.position, f"holdings record {item.local_id}: no bibliographic "
                                      f"record {item.bib_local_id!r} (its 004) in this source; "
                                      "load the bib first")
            continue
        attached.append(item)
        session.execute(delete(_mfhd).where(_mfhd.c.source_id == source_id,
                                            _mfhd.c.local_id == item.local_id))
    if attached:
        session.execute(insert(_mfhd), [
            {"source_id": source_id, "local_id": i.local_id, "bib_local_id": i.bib_local_id,
             "marc": i.marc, "holdings": i.holdings} for i in attached])
    cluster.refresh(session, {cid for i in attached
                              if (cid := bibs[i.bib_local_id]) is not None})
    report.holdings_records += len(attached)


def apply_batch(db: Database, source_id: int, items: list[Item], report: LoadReport) -> None:
    """Store one batch in one transaction. The last occurrence of a local id wins."""
    latest: dict[tuple[Op, str], Item] = {}
    for item in items:
        kind = Op.MFHD if item.op == Op.MFHD else Op.UPSERT
        latest.pop((kind, item.local_id), None)
        latest[(kind, item.local_id)] = item
    batch = list(latest.values())
    with db.unscoped() as session:
        _lock(session)
        bibs = [i for i in batch if i.op != Op.MFHD]
        existing = _existing(session, source_id, [i.local_id for i in bibs])
        recheck: set[int] = set()
        touched: set[int] = set()
        fresh: set[int] = set()  # created by this batch with their size: no refresh needed
        _deletes(session, source_id, [i for i in bibs if i.op == Op.DELETE], existing, report,
                 recheck)
        ups = [i for i in bibs if i.op == Op.UPSERT]
        if ups:
            _upserts(session, source_id, ups, existing, report, recheck, touched, fresh)
        mfhd = [i for i in batch if i.op == Op.MFHD]
        if mfhd:
            _holdings(session, source_id, mfhd, report)
        cluster.recheck(session, recheck, touched)
        cluster.refresh(session, touched)


def load_items(db: Database, source: Source, reads: Iterable[marcio.ReadRecord |
               marcio.BadRecord | tuple[marcio.ReadRecord, str, bool]], matcher: str,
               report: LoadReport | None = None,
               progress: Callable[[int], None] | None = None) -> LoadReport:
    """Load a stream of read results for ``source``; reports every bad record."""
    report = report or LoadReport()
    mapping = mapping_of(source)
    batch: list[Item] = []
    batches = 0
    for entry in reads:
        report.processed += 1
        if isinstance(entry, marcio.BadRecord):
            report.bad(entry.position, entry.reason, entry.offset)
        else:
            read, local, deleted = entry if isinstance(entry, tuple) else (entry, None, False)
            try:
                item = prepare(read, mapping, matcher, report, local, deleted)
            except Exception as exc:  # noqa: BLE001 - a record must never abort the load
                report.bad(read.position, f"record could not be processed: {exc}")
                item = None
            if item is not None:
                batch.append(item)
        if len(batch) >= BATCH:
            apply_batch(db, source.id, batch, report)
            batch = []
            batches += 1
            keep_statistics(db, batches)
        if progress is not None:
            progress(1)
    if batch:
        apply_batch(db, source.id, batch, report)
    return report


ANALYZE_AFTER = (2, 10, 40, 160, 640)  # batches; tables grow fast during a first load


def keep_statistics(db: Database, batches: int) -> None:
    """On PostgreSQL, refresh planner statistics while a big load fills empty tables.

    Without it the planner keeps believing the tables are tiny and looks match values up by
    sequential scans, which makes each batch slower than the last.
    """
    if db.dialect == "postgresql" and batches in ANALYZE_AFTER:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE si_match_values, si_records, si_clusters"))
            conn.commit()


def mapping_of(source: Source) -> HoldingsMapping:
    from reshare.sharedindex.model import mapping_from

    return mapping_from(source.preset, source.mapping or None)

