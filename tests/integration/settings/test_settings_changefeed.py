"""PostgreSQL: settings changes are announced (NOTIFY), so a unit of work reading settings
makes no query to check its copy; while the listener is down it checks the version again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, text

from reshare import changefeed
from reshare.changefeed import feed_for
from reshare.db import Database
from reshare.platform import Platform
from reshare.settings import service
from tests.support.factories import TenantFixture

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_platform(platform: Platform) -> Platform:
    if platform.db.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    return platform


def _until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _read(db: Database, tenant_id: int) -> str | None:
    with db.reading(tenant_id) as session:
        return service.get_value(session, "request_id_prefix")


@pytest.fixture
def statements(pg_platform: Platform) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(pg_platform.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(pg_platform.db.engine, "before_cursor_execute", record)


def _version_checks(seen: list[str]) -> int:
    return sum("settings_version" in s for s in seen)


def _kill_listener(db: Database) -> None:
    with db.engine.connect() as conn:
        killed = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'reshare-changefeed'"
        )).all()
        conn.commit()
    assert killed, "no listener found"


def test_settings_read_from_memory_without_a_query(
        pg_platform: Platform, tenant_a: TenantFixture, statements: list[str]) -> None:
    feed = feed_for(pg_platform.db.engine)
    assert feed is not None and _until(feed.is_live)
    _read(pg_platform.db, tenant_a.id)  # remembered
    statements.clear()
    for _ in range(3):
        _read(pg_platform.db, tenant_a.id)
    assert statements == []
    other = Database(pg_platform.db.url)  # another process changes it
    try:
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "NJSOOS-")
        assert _until(lambda: _read(pg_platform.db, tenant_a.id) == "NJSOOS-", 2.0)
        assert _version_checks(statements) == 0
    finally:
        other.dispose()


def test_while_the_listener_is_down_each_unit_checks_the_version(
        pg_platform: Platform, tenant_a: TenantFixture, statements: list[str],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="reshare.changefeed")
    monkeypatch.setattr(changefeed, "RECONNECT_SECONDS", 2.0)  # down long enough to look
    feed = feed_for(pg_platform.db.engine)
    assert feed is not None and _until(feed.is_live)
    _read(pg_platform.db, tenant_a.id)
    _kill_listener(pg_platform.db)
    assert _until(lambda: not feed.is_live())
    other = Database(pg_platform.db.url)
    try:
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "DOWN-")
        statements.clear()
        # not announced to us (nobody listening): the version check finds it at once
        assert not feed.is_live()
        assert _read(pg_platform.db, tenant_a.id) == "DOWN-"
        assert _version_checks(statements) >= 1
        # it listens again, and from then on reads from memory once more
        assert _until(feed.is_live)
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "BACK-")
        assert _until(lambda: _read(pg_platform.db, tenant_a.id) == "BACK-", 2.0)

        def from_memory() -> bool:  # once our own copy of the announcement has arrived too
            statements.clear()
            return _read(pg_platform.db, tenant_a.id) == "BACK-" and statements == []

        assert _until(from_memory, 2.0)
        told = [r.getMessage() for r in caplog.records if r.name == "reshare.changefeed"]
        assert len(told) == 2 and "until it listens again" in told[0]
        assert told[1] == "change feed: listening again"
    finally:
        other.dispose()


def test_turned_off_each_unit_checks_the_version(
        pg_platform: Platform, tenant_a: TenantFixture, statements: list[str]) -> None:
    from dataclasses import replace

    from reshare.platform import build_platform

    off = build_platform(replace(pg_platform.settings, change_feed=False),
                         db=Database(pg_platform.db.url))
    try:
        assert feed_for(off.db.engine) is None
        _read(off.db, tenant_a.id)
        off_statements: list[str] = []
        event.listen(off.db.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: off_statements.append(statement))
        _read(off.db, tenant_a.id)
        assert _version_checks(off_statements) == 1
    finally:
        off.db.dispose()
