"""PostgreSQL connections: checked only after idling, and read-only units without BEGIN."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from reshare import db as dbmod
from reshare.db import Database
from reshare.tenancy.store import Tenant

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(_postgres_url: str | None) -> Iterator[Database]:
    if _postgres_url is None:
        pytest.skip("RESHARE_TEST_POSTGRES_URL is not set")
    database = Database(_postgres_url)
    try:
        yield database
    finally:
        database.dispose()


def _backend_pid(database: Database) -> int:
    with database.unscoped() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(database: Database, pid: int) -> None:
    other = Database(database.url)
    try:
        with other.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            conn.commit()
    finally:
        other.dispose()


def test_connection_idle_longer_than_the_limit_is_checked_and_replaced(
        pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _backend_pid(pg)
    _terminate(pg, pid)  # e.g. the server restarted while the connection sat in the pool
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg) != pid  # no error: the dead connection was replaced first


def test_only_a_connection_idle_past_the_limit_is_pinged(
        pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    queries: list[str] = []
    original = psycopg.Cursor.execute

    def recording(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        queries.append(str(query))
        return original(self, query, *args, **kwargs)

    _backend_pid(pg)
    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    _backend_pid(pg)
    assert "SELECT 1" not in queries  # used a moment ago: no round trip to check it
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE_SECONDS", 0.0)
    _backend_pid(pg)
    assert "SELECT 1" in queries


def test_restart_within_the_limit_fails_one_unit_of_work_then_recovers(pg: Database) -> None:
    pid = _backend_pid(pg)
    _terminate(pg, pid)
    with pytest.raises(OperationalError):
        _backend_pid(pg)
    assert _backend_pid(pg) != pid


def test_read_only_unit_sends_no_begin_or_rollback(pg: Database) -> None:
    import psycopg

    commands: list[bytes] = []
    original = psycopg.Connection._exec_command

    def counting(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
        commands.append(command if isinstance(command, bytes) else str(command).encode())
        return original(self, command, *args, **kwargs)

    with pg.reading() as session:  # warm: the pool's first connection
        session.scalars(select(Tenant.id)).all()
    psycopg.Connection._exec_command = counting  # type: ignore[method-assign]
    try:
        with pg.reading() as session:
            session.scalars(select(Tenant.id)).all()
            session.scalars(select(Tenant.code)).all()
        with pg.unscoped() as session:  # a writing unit still runs in a transaction
            session.scalars(select(Tenant.id)).all()
    finally:
        psycopg.Connection._exec_command = original  # type: ignore[method-assign]
    assert [c.split()[0] for c in commands] == [b"BEGIN", b"COMMIT"]


def test_outbox_claim_is_one_round_trip(pg: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim is one UPDATE … RETURNING, atomic by itself: no BEGIN or COMMIT."""
    import datetime as dt

    import psycopg

    from reshare.config import AppSettings
    from reshare.db import Base, utcnow
    from reshare.iso18626 import outbox
    from reshare.platform import build_platform

    Base.metadata.create_all(pg.engine)
    platform = build_platform(AppSettings(database_url=pg.url, var_dir="var", secret_key="s",
                                          admin_token="a", inprocess_worker=False), db=pg)
    commands: list[bytes] = []
    original = psycopg.Connection._exec_command

    def counting(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
        commands.append(command if isinstance(command, bytes) else str(command).encode())
        return original(self, command, *args, **kwargs)

    outbox.claim(platform, limit=5, now=utcnow(), token="warm")
    monkeypatch.setattr(psycopg.Connection, "_exec_command", counting)
    assert outbox.claim(platform, limit=5, now=utcnow() + dt.timedelta(days=1),
                        token="t") == []
    assert commands == []

