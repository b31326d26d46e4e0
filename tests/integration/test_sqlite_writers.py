"""SQLite writers of one process queue on a lock taken at BEGIN (not on SQLite's sleeping
busy handler); readers never wait for them; a writer that cannot get its turn in time gets a
clear error instead of hanging."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from reshare import db as dbmod
from reshare.db import Database, DatabaseBusy
from tests.support.databases import sqlite_url


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(sqlite_url(tmp_path, "writers.db"))
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    return database


def _bump(database: Database, rounds: int) -> None:
    for _ in range(rounds):
        with database.engine.begin() as conn:
            n = conn.execute(text("SELECT n FROM counter")).scalar_one()
            conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def test_concurrent_writers_all_get_their_turn(db: Database) -> None:
    threads = [threading.Thread(target=_bump, args=(db, 50)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.engine.connect() as conn:  # read-modify-write in each transaction: none lost
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 300


@contextmanager
def _writer_holding(database: Database) -> Iterator[None]:
    """Another thread in the middle of a write transaction for as long as the block runs."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = 41"))
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()
        t.join()


def test_readers_do_not_wait_for_a_writer(db: Database) -> None:
    with _writer_holding(db):
        started = time.monotonic()
        with db.reading() as session:
            assert session.execute(text("SELECT n FROM counter")).scalar_one() == 0
        assert time.monotonic() - started < 5


def test_a_writer_kept_waiting_too_long_gets_a_clear_error(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "WRITER_WAIT_SECONDS", 0.3)
    with _writer_holding(db), pytest.raises(DatabaseBusy, match="locked for"), \
            db.engine.begin() as conn:
        conn.execute(text("UPDATE counter SET n = 2"))
    _bump(db, 1)  # the lock was handed on: writing works again (41 + 1)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 42
