"""Clustering on SQLite and PostgreSQL: merges, moves, splits, deletes, stable ids, MFHD."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reshare.db import Database
from reshare.errors import NotFound, ValidationFailed
from reshare.sharedindex import explain, search, service
from reshare.sharedindex.store import BibRecord, Cluster, MatchValue, Source
from tests.integration.sharedindex.helpers import bib, load


@pytest.fixture
def db(database: Database) -> Database:
    for code in ("AAA", "BBB", "CCC"):
        service.create_source(database, code, tenant_id=None)
    return database


def cluster_of(db: Database, code: str, local_id: str) -> str | None:
    with db.unscoped() as s:
        return s.scalar(select(Cluster.uuid).join(BibRecord, BibRecord.cluster_id == Cluster.id)
                        .join(Source).where(Source.code == code, BibRecord.local_id == local_id))


def live_clusters(db: Database) -> int:
    with db.unscoped() as s:
        return s.scalar(select(func.count(Cluster.id)).where(Cluster.size > 0)) or 0


def test_shared_keys_merge_transitively_into_the_oldest_cluster(db: Database) -> None:
    load(db, "AAA", bib("a1", "Alpha", isbn="9780596000271"))
    load(db, "BBB", bib("b1", "Beta", isbn="9781565926998"))
    first, second = cluster_of(db, "AAA", "a1"), cluster_of(db, "BBB", "b1")
    assert first != second and live_clusters(db) == 2
    load(db, "CCC", bib("c1", "Gamma", isbn="9780596000271",
                        author="Other").__class__())  # an empty record: skipped, no effect
    record = bib("c1", "Gamma")
    record.add_field(*bib("x", "x", isbn="9780596000271").get_fields("020"))
    record.add_field(*bib("x", "x", isbn="9781565926998").get_fields("020"))
    load(db, "CCC", record)
    assert cluster_of(db, "AAA", "a1") == cluster_of(db, "BBB", "b1") == cluster_of(
        db, "CCC", "c1") == first
    assert live_clusters(db) == 1
    # the absorbed cluster's id still finds the merged cluster
    assert search.get_cluster(db, second)["cluster_id"] == first


def test_updated_record_moves_and_the_old_cluster_keeps_its_id(db: Database) -> None:
    load(db, "AAA", bib("a1", "Programming Perl", isbn="9780596000271"))
    load(db, "BBB", bib("b1", "Programming Perl", isbn="9780596000271"))
    shared = cluster_of(db, "AAA", "a1")
    assert cluster_of(db, "BBB", "b1") == shared
    report = load(db, "BBB", bib("b1", "Learning Python", isbn="9781565924642"))
    assert report.updated == 1 and report.inserted == 0
    assert cluster_of(db, "AAA", "a1") == shared
    moved = cluster_of(db, "BBB", "b1")
    assert moved not in (None, shared)
    with db.unscoped() as s:  # the old cluster no longer carries B's old-only values
        values = set(s.scalars(select(MatchValue.value).join(Cluster).where(
            Cluster.uuid == shared)))
    assert "isbn:9781565924642" not in values and "isbn:9780596000271" in values


def test_a_cluster_splits_when_its_link_goes(db: Database) -> None:
    isbn_1, isbn_2 = "9780596000271", "9781565926998"
    load(db, "AAA", bib("a1", "One", isbn=isbn_1), bib("a2", "One again", isbn=isbn_1))
    load(db, "BBB", bib("b1", "Link", isbn=isbn_1))
    link = bib("b1", "Link", isbn=isbn_1)
    link.add_field(*bib("x", "x", isbn=isbn_2).get_fields("020"))
    load(db, "BBB", link)
    load(db, "CCC", bib("c1", "Two", isbn=isbn_2))
    original = cluster_of(db, "AAA", "a1")
    assert cluster_of(db, "CCC", "c1") == original
    load(db, "BBB", bib("b1", "Link", deleted=True))
    assert cluster_of(db, "AAA", "a1") == cluster_of(db, "AAA", "a2") == original  # bigger part
    assert cluster_of(db, "CCC", "c1") not in (None, original)
    assert cluster_of(db, "BBB", "b1") is None


def test_delete_removes_the_contribution_and_an_empty_cluster(db: Database) -> None:
    load(db, "AAA", bib("a1", "Lonely book", isbn="9780130208682"))
    cid = cluster_of(db, "AAA", "a1")
    report = load(db, "AAA", bib("a1", "Lonely book", deleted=True))
    assert report.deleted == 1
    assert live_clusters(db) == 0
    with pytest.raises(NotFound):
        search.get_cluster(db, cid or "")
    assert search.search(db, search.Query(title="lonely"))["total"] == 0
    load(db, "AAA", bib("a1", "Lonely book", isbn="9780130208682"))
    assert cluster_of(db, "AAA", "a1") == cid  # the same keys bring the same id back


def test_reloading_keeps_cluster_ids(db: Database, marc_dir: Path) -> None:
    path = marc_dir / "traject/test_data.utf8.mrc"
    with path.open("rb") as f:
        first = service.load_stream(db, "AAA", f)
    with db.unscoped() as s:
        before = dict(s.execute(select(BibRecord.local_id, Cluster.uuid).join(
            Cluster, BibRecord.cluster_id == Cluster.id)).all())  # noqa: C416
    with path.open("rb") as f:
        again = service.load_stream(db, "AAA", f)
    with db.unscoped() as s:
        after = dict(s.execute(select(BibRecord.local_id, Cluster.uuid).join(
            Cluster, BibRecord.cluster_id == Cluster.id)).all())  # noqa: C416
    assert first.inserted == 29 and again.updated == 29 and again.inserted == 0  # 1 is a delete
    assert before == after


def test_known_same_work_pairs_cluster_and_different_works_do_not(db: Database,
                                                                  marc_dir: Path) -> None:
    with (marc_dir / "loc-booksall-2016/BooksAll.2016.part01.matches-for-other-dev-sources.mrc"
          ).open("rb") as f:
        assert service.load_stream(db, "AAA", f).inserted == 27
    for path in ("pymarc-5.4.0/test.dat", "evergreen/oss.marc",
                 "traject/test_data.utf8.mrc", "openlibrary/xml_input/"
                 "39002054008678_yale_edu_marc.xml", "pod4lib-aggregator/stanford-50.mrc.gz"):
        with (marc_dir / path).open("rb") as f:
            service.load_stream(db, "BBB", f)
    pairs = [("00055799", "fol05865967"), ("00020737", "fol05731351"),  # Perl books
             ("00703276", "12205502"), ("00053354", "07-0097183"),  # Evergreen oss.marc
             ("00282214", "00282214"), ("00313831", "00313831"),  # traject
             ("02012591", "2072764"),  # Open Library (NBSP in its title: linked by LCCN)
             ("03002703", "a500026")]  # Stanford POD (different subtitle: linked by LCCN)
    for loc, other in pairs:
        assert cluster_of(db, "AAA", loc) == cluster_of(db, "BBB", other) is not None, (loc, other)
    with db.unscoped() as s:
        lc_clusters = s.scalars(select(BibRecord.cluster_id).join(Source).where(
            Source.code == "AAA")).all()
    assert len(set(lc_clusters)) == 27  # 27 different works stay apart
    why = explain.explain(db, "AAA:00055799", "BBB:fol05865967", "goldrush2024")
    assert why["same_cluster"] and "isbn:9780596000271" in why["shared_keys"]
    apart = explain.explain(db, "AAA:00055799", "AAA:00020737", "goldrush2024")
    assert not apart["same_cluster"]
    assert {d["component"] for d in apart["differences"]} >= {"title"}


def test_explain_shows_the_chain_through_other_records(db: Database) -> None:
    load(db, "AAA", bib("a1", "One", isbn="9780596000271"))
    link = bib("b1", "Link", isbn="9780596000271")
    link.add_field(*bib("x", "x", isbn="9781565926998").get_fields("020"))
    load(db, "BBB", link)
    load(db, "CCC", bib("c1", "Two", isbn="9781565926998"))
    why = explain.explain(db, "AAA:a1", "CCC:c1", "goldrush2024")
    assert why["same_cluster"] and not why["shared_keys"]
    assert [step["to"] for step in why["chain"]] == ["BBB:b1", "CCC:c1"]


def test_mfhd_records_attach_to_their_bib(db: Database, marc_dir: Path) -> None:
    with (marc_dir / "reservoir/mfhd.marc").open("rb") as f:
        report = service.load_stream(db, "AAA", f)
    assert report.inserted == 7 and report.holdings_records == 7 and not report.errors
    found = search.search(db, search.Query(keyword="the", limit=100))
    with_mfhd = [r for c in found["clusters"] for r in c["records"] if r["holdings"]]
    assert with_mfhd, "MFHD 852 holdings should show on their bib"
    with (marc_dir / "reservoir/mfhd-no-parent.marc").open("rb") as f:
        orphan = service.load_stream(db, "BBB", f)
    assert orphan.holdings_records == 0 and "004" in orphan.errors[0]["reason"]


def test_bad_records_are_reported_and_the_rest_load(db: Database, marc_dir: Path) -> None:
    records = (marc_dir / "traject/test_data.utf8.mrc").read_bytes().split(b"\x1d")
    records[2] = b"xx" + records[2][2:]  # a damaged leader
    records[5] = records[5][:200]  # a truncated record
    report = service.load_stream(db, "AAA", io.BytesIO(b"\x1d".join(records)))
    assert report.processed == 30 and report.ignored == 2 and report.inserted == 27
    assert [e["position"] for e in report.errors] == [3, 6]
    assert "leader" in report.errors[0]["reason"] and report.errors[0]["offset"] > 0
    with (marc_dir / "pymarc-5.4.0/bad_records.mrc").open("rb") as f:
        broken = service.load_stream(db, "BBB", f)
    assert broken.ignored == broken.processed == len(broken.errors) == 9
    assert any("base address" in e["reason"].lower() for e in broken.errors)
    with (marc_dir / "reservoir/marc3-no-id.xml").open("rb") as f:
        no_id = service.load_stream(db, "AAA", f)
    assert no_id.inserted == 2 and no_id.errors == [
        {"position": 2, "reason": "no local id (001): the record cannot be identified, skipped"}]


def test_marcxml_delete_record_removes_it(db: Database, marc_dir: Path) -> None:
    with (marc_dir / "reservoir/marc3.xml").open("rb") as f:
        service.load_stream(db, "AAA", f)
    with (marc_dir / "reservoir/marc1-delete.xml").open("rb") as f:
        report = service.load_stream(db, "AAA", f)
    assert report.processed == 1 and report.ignored == 0


def test_switching_to_goldrush_2021_reclusters_everything(db: Database) -> None:
    load(db, "AAA", bib("a1", "Programming Perl", isbn="9780596000271"))
    load(db, "BBB", bib("b1", "Programming Perl"), bib("b2", "Other book"))
    assert cluster_of(db, "AAA", "a1") == cluster_of(db, "BBB", "b1")
    assert service.set_matcher(db, "goldrush2021") == 3
    with db.unscoped() as s:
        keys = s.scalars(select(BibRecord.keys)).all()
    assert all(any(k.startswith("goldrush2021:") for k in ks) for ks in keys)
    assert cluster_of(db, "AAA", "a1") == cluster_of(db, "BBB", "b1") != cluster_of(db, "BBB",
                                                                                    "b2")
    assert service.stats(db)["matcher"] == "goldrush2021" and live_clusters(db) == 2
    with pytest.raises(ValidationFailed, match="unknown matcher"):
        service.set_matcher(db, "deepdish")
