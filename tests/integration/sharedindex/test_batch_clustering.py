"""Batched clustering gives what one-record-at-a-time clustering gives, within and across
batches, in one process or with parsing workers (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import pymarc
import pytest
from sqlalchemy import delete, select

from reshare.db import Database
from reshare.sharedindex import ingest, service, textindex
from reshare.sharedindex.store import BibRecord, Cluster, HoldingsRecord, MatchValue, Source
from tests.integration.sharedindex.helpers import _df, bib, iso

Partition = set[frozenset[tuple[str, str]]]


@pytest.fixture
def db(database: Database) -> Database:
    for code in ("AAA", "BBB"):
        service.create_source(database, code, tenant_id=None)
    return database


def partition(db: Database) -> tuple[Partition, list[int]]:
    """Which records share a cluster, the sizes the clusters record, then the MFHD count."""
    with db.unscoped() as s:
        rows = s.execute(select(Source.code, BibRecord.local_id, BibRecord.cluster_id)
                         .join(Source, Source.id == BibRecord.source_id)).all()
        sizes = sorted(s.scalars(select(Cluster.size).where(Cluster.size > 0)))
        sizes.append(len(s.scalars(select(HoldingsRecord.id)).all()))
    groups: dict[int, set[tuple[str, str]]] = {}
    for code, local, cid in rows:
        groups.setdefault(cid, set()).add((code, local))
    return {frozenset(g) for g in groups.values()}, sizes


def clear(db: Database) -> None:
    with db.unscoped() as s:
        textindex.unindex(s, list(s.scalars(select(BibRecord.id))))
        for table in (HoldingsRecord, BibRecord, MatchValue, Cluster):
            s.execute(delete(table))


def mfhd(local_id: str, bib_id: str) -> pymarc.Record:
    record = pymarc.Record(leader="00000nx  a2200000   4500", force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=local_id))
    record.add_field(pymarc.Field(tag="004", data=bib_id))
    record.add_field(_df("852", b="MAIN", h="QA76 .X1"))
    return record


def mixed() -> dict[str, list[pymarc.Record]]:
    """Chains that link only through later records, a record changed and one deleted later
    in the same file, an MFHD, and copies of the same works in a second source."""
    a = [bib("a1", "Alpha", isbn="9780000000011"), bib("a2", "Beta", isbn="9780000000028"),
         bib("a3", "Gamma"), bib("a4", "Delta", isbn="9780000000035"),
         bib("a5", "Alpha", isbn="9780000000028"),  # links Alpha and Beta
         bib("a3", "Delta"),  # a3 changes: leaves Gamma, joins Delta
         bib("a6", "Epsilon"), bib("a7", "Zeta", isbn="9780000000042"), mfhd("h1", "a7"),
         bib("a6", "Epsilon", deleted=True)]
    b = [bib("b1", "Zeta"), bib("b2", "Eta", isbn="9780000000035"),  # joins Delta via ISBN
         bib("b3", "Theta", isbn="9780000000042"), bib("b4", "Gamma")]
    return {"AAA": a, "BBB": b}


def load_all(db: Database, records: dict[str, list[pymarc.Record]], workers: int = 1) -> None:
    for code, recs in records.items():
        report = service.load_stream(db, code, io.BytesIO(iso(*recs)), workers=workers)
        assert report.ignored == 0, report.errors


def test_one_batch_merges_what_only_later_records_link(db: Database) -> None:
    load_all(db, {"AAA": [bib("x1", "One", isbn="9780000000011"),
                          bib("x2", "Two", isbn="9780000000028"),
                          bib("x3", "One", isbn="9780000000028")]})
    groups, sizes = partition(db)
    assert groups == {frozenset({("AAA", "x1"), ("AAA", "x2"), ("AAA", "x3")})}
    assert sizes == [3, 0]


def test_links_across_batches_merge_into_the_oldest_cluster(db: Database,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             ) -> None:
    monkeypatch.setattr(ingest, "BATCH", 2)
    load_all(db, {"AAA": [bib("x1", "One", isbn="9780000000011"),
                          bib("x2", "Two", isbn="9780000000028"),
                          bib("x3", "Three"),
                          bib("x4", "One", isbn="9780000000028")]})
    groups, sizes = partition(db)
    assert frozenset({("AAA", "x1"), ("AAA", "x2"), ("AAA", "x4")}) in groups
    assert sizes == [1, 3, 0]
    with db.unscoped() as s:
        first = s.scalar(select(BibRecord.cluster_id).where(BibRecord.local_id == "x1"))
        merged = s.scalar(select(Cluster.merged_into).where(Cluster.size == 0))
        assert s.scalar(select(BibRecord.cluster_id).where(BibRecord.local_id == "x4")) == first
    assert merged == first  # the younger cluster was absorbed and points at the survivor


def test_a_mixed_file_clusters_the_same_one_by_one_in_batches_and_in_workers(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "BATCH", 1)
    load_all(db, mixed())
    one_by_one = partition(db)
    assert one_by_one[0] == {
        frozenset({("AAA", "a1"), ("AAA", "a2"), ("AAA", "a5")}),
        frozenset({("AAA", "a3"), ("AAA", "a4"), ("BBB", "b2")}),
        frozenset({("AAA", "a7"), ("BBB", "b1"), ("BBB", "b3")}),
        frozenset({("BBB", "b4")})}
    for batch, workers in ((1000, 1), (3, 1), (3, 2)):
        clear(db)
        monkeypatch.setattr(ingest, "BATCH", batch)
        load_all(db, mixed(), workers=workers)
        assert partition(db) == one_by_one, (batch, workers)
