"""Importing peers' feeds: reference entries, conflicts, managed entries kept, stale ones
removed, and bad feeds importing nothing. (Two real servers: tests/e2e/test_directory_sync.py.)"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from reshare.directory import crawl, service
from reshare.directory.feed import FEED_FORMAT, build_feed, read_feed
from reshare.directory.store import DirectoryEntry
from reshare.directory.sync import import_feed
from reshare.platform import Platform
from tests.integration.directory.helpers import make_library

URL = "https://peer.example.org/directory/feed"


def entry(id_: str, slug: str, type_: str = "institution", parent: str | None = None,
          symbols: tuple[str, ...] = (), stamp: str = "2026-01-01T00:00:00+00:00",
          **extra: Any) -> dict[str, Any]:
    return {"id": id_, "slug": slug, "name": slug.title(), "type": type_, "parent_id": parent,
            "symbols": list(symbols), "last_modified": stamp,
            "services": [{"type": "ISO18626", "address": f"https://{slug}.peer.org/iso18626"}],
            **extra}


def feed(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"format": FEED_FORMAT, "installation": "https://peer.example.org",
            "entries": list(entries)}


def run(platform: Platform, document: dict[str, Any]) -> Any:
    with platform.db.platform() as session:
        return import_feed(session, URL, read_feed(document))


def slugs(platform: Platform) -> dict[str, str]:
    with platform.db.unscoped() as s:
        return {e.slug: e.status for e in s.scalars(select(DirectoryEntry))}


def test_import_creates_reference_entries_that_resolve(platform: Platform) -> None:
    report = run(platform, feed(
        entry("g1", "gamma", symbols=("RESHARE:GAMMA",),
              properties={"policy.ill.loan_policy": "not_lending"}),
        entry("g2", "gamma-main", "branch", parent="g1", tags=["pickup"])))
    assert (report.status, report.created, report.conflicts) == ("ok", 2, [])
    with platform.db.unscoped() as s:
        resolved = service.resolve_symbol(s, "reshare:gamma")
        assert resolved is not None and not resolved.managed
        assert resolved.owner_tenant_id is None
        assert resolved.iso18626_url == "https://gamma.peer.org/iso18626"
        assert resolved.properties == {"policy.ill.loan_policy": "not_lending"}
        assert service.tenant_for_symbol(s, "RESHARE:GAMMA") is None
        branch = service.get_entry(s, "gamma-main")
        assert branch.parent_id == "g1" and branch.source_url == URL
        assert service.effective_symbols(s, branch) == ["RESHARE:GAMMA"]


def test_reimport_is_idempotent_updates_changes_and_removes_stale(platform: Platform) -> None:
    run(platform, feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA",)),
                       entry("g2", "gamma-main", "branch", parent="g1")))
    again = run(platform, feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA",)),
                               entry("g2", "gamma-main", "branch", parent="g1")))
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 2, 0)
    changed = run(platform, feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA2",),
                                       stamp="2026-02-01T00:00:00+00:00", description="new")))
    assert (changed.updated, changed.removed) == (1, 1)
    assert slugs(platform) == {"gamma": "reference"}
    with platform.db.unscoped() as s:
        assert service.resolve_symbol(s, "RESHARE:GAMMA") is None
        assert service.resolve_symbol(s, "RESHARE:GAMMA2") is not None
        assert service.get_entry(s, "gamma").description == "new"


def test_managed_entries_are_never_overwritten_and_taken_symbols_are_conflicts(
        platform: Platform, lib_a: int) -> None:
    inst_id, _ = make_library(platform, lib_a, "ALPHA")
    report = run(platform, feed(
        entry(inst_id, "alpha", symbols=("RESHARE:ALPHA",), description="peer's version"),
        entry("x1", "impostor", symbols=("RESHARE:ALPHA",)),
        entry("x2", "sluggish", symbols=("RESHARE:X2",)) | {"slug": "alpha-main"},
        entry("d1", "delta", symbols=("RESHARE:DELTA",))))
    assert report.status == "conflicts"
    assert report.skipped_managed == ["alpha"]
    assert {(c["entry"], c.get("symbol") or c.get("slug")) for c in report.conflicts} == {
        ("impostor", "RESHARE:ALPHA"), ("alpha-main", "alpha-main")}
    reasons = {c["entry"]: c["reason"] for c in report.conflicts}
    assert "already belongs to ALPHA Library" in reasons["impostor"]
    assert "slug already used here by ALPHA Main" in reasons["alpha-main"]
    assert slugs(platform) == {"alpha": "managed", "alpha-main": "managed", "delta": "reference"}
    with platform.db.unscoped() as s:
        mine = service.get_entry(s, "alpha")
        assert mine.description == "" and mine.owner_tenant_id == lib_a
        assert service.tenant_for_symbol(s, "RESHARE:ALPHA") == lib_a


def test_a_symbol_claimed_twice_in_one_feed_imports_neither(platform: Platform) -> None:
    report = run(platform, feed(entry("e1", "one", symbols=("RESHARE:SAME",)),
                                entry("e2", "two", symbols=("reshare:same",)),
                                entry("e3", "three", symbols=("RESHARE:THREE",))))
    assert sorted(c["entry"] for c in report.conflicts) == ["one", "two"]
    assert slugs(platform) == {"three": "reference"}


def test_a_symbol_may_move_between_entries_of_the_same_feed(platform: Platform) -> None:
    run(platform, feed(entry("e1", "one", symbols=("RESHARE:MOVES",)), entry("e2", "two")))
    report = run(platform, feed(entry("e1", "one", stamp="2026-03-01T00:00:00+00:00"),
                                entry("e2", "two", symbols=("RESHARE:MOVES",),
                                      stamp="2026-03-01T00:00:00+00:00")))
    assert report.status == "ok" and report.updated == 2
    with platform.db.unscoped() as s:
        assert service.resolve_symbol(s, "RESHARE:MOVES").entry_slug == "two"  # type: ignore


def _client(body: bytes, status: int = 200) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(status, content=body)))


def test_bad_feeds_are_reported_and_import_nothing(platform: Platform) -> None:
    crawl.add_friend(platform.db, "https://peer.example.org")
    good = feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA",)))
    assert crawl.crawl(platform.db, URL, _client(json.dumps(good).encode())).status == "ok"
    bad_entry = feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA",), description="changed",
                           stamp="2026-05-01T00:00:00+00:00"),
                     entry("h1", "eta", properties={"policy.ill.loan_policy": "sometimes"}))
    cases = [
        (_client(b"<html>not json</html>"), "did not send JSON"),
        (_client(b"{}", status=500), "answered HTTP 500"),
        (_client(json.dumps({"entries": []}).encode()), "not a ReShare directory feed"),
        (_client(json.dumps(bad_entry).encode()), "entry 1 (eta) is invalid: 'sometimes' is "
                                                  "not a loan policy"),
    ]
    for client, message in cases:
        report = crawl.crawl(platform.db, URL, client)
        assert report.status == "error" and message in (report.error or ""), report.error
    assert slugs(platform) == {"gamma": "reference"}
    with platform.db.unscoped() as s:
        assert service.get_entry(s, "gamma").description == ""
    [friend] = crawl.list_friends(platform.db)
    assert friend["last_status"] == "error" and "loan policy" in friend["last_report"]["error"]


def test_the_feed_publishes_managed_entries_without_local_properties(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    from reshare.directory import editing

    make_library(platform, lib_a, "ALPHA")
    run(platform, feed(entry("g1", "gamma", symbols=("RESHARE:GAMMA",))))
    with platform.db.tenant(lib_a) as s:
        editing.set_property(s, lib_a, "alpha", "ALMA_AGENCY_ID", "SECRET_AGENCY")
        editing.set_property(s, lib_a, "alpha", "policy.ill.loan_policy", "lending_all_types")
    with platform.db.unscoped() as s:
        document = build_feed(s, "https://here.example.org")
    assert [e["slug"] for e in document["entries"]] == ["alpha", "alpha-main"]  # parents first
    assert "SECRET_AGENCY" not in json.dumps(document)
    assert document["entries"][0]["properties"] == {"policy.ill.loan_policy":
                                                    "lending_all_types"}
    assert [e.slug for e in read_feed(document)] == ["alpha", "alpha-main"]


def test_due_friends_are_claimed_once(platform: Platform) -> None:
    crawl.add_friend(platform.db, "http://127.0.0.1:9/", every_minutes=60)
    assert crawl.claim_due(platform.db) == ["http://127.0.0.1:9/directory/feed"]
    assert crawl.claim_due(platform.db) == []  # stamped: not due for another hour


def test_the_scheduled_job_crawls_due_friends_and_records_the_outcome(
        platform: Platform) -> None:
    from reshare.directory.jobs import JOBS

    [job] = JOBS
    crawl.add_friend(platform.db, "http://127.0.0.1:9/", every_minutes=30)  # nothing listens
    assert job.run(platform) == 1
    assert job.run(platform) == 0  # crawled: due again in 30 minutes
    [friend] = crawl.list_friends(platform.db)
    assert friend["last_status"] == "error" and "cannot reach" in friend["last_report"]["error"]
