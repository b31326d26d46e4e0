"""ScopedSession.add_later: rows written together at the unit's flush or commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select

from reshare.db import Database
from reshare.iso18626.store import RecordedMessage
from reshare.tenancy.store import Tenant

T = RecordedMessage.__table__
ADD = insert(T).values(element="x", request_id="r").inline()
BODIES = select(RecordedMessage.body).order_by(RecordedMessage.id)


@pytest.fixture
def db(database: Database) -> Database:
    with database.platform() as s:
        s.add(Tenant(id=1, code="A", name="A"))
    return database


@contextmanager
def inserts(db: Database) -> Iterator[list[tuple[str, int]]]:
    """The INSERTs into the table sent to the database: (statement, rows it carried)."""
    seen: list[tuple[str, int]] = []

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith(f"INSERT INTO {T.name}"):
            seen.append((statement, len(params) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _bodies(db: Database) -> list[str]:
    with db.reading(1) as s:
        return list(s.scalars(BODIES))


def test_rows_are_written_at_commit_in_one_statement(db: Database) -> None:
    with inserts(db) as seen, db.tenant(1) as s:
        for body in ("a", "b", "c"):
            s.add_later(ADD, {"body": body})
        assert seen == []  # nothing yet
    assert len(seen) == 1  # one statement for the three rows
    if db.dialect == "postgresql":
        assert seen[0][0].count("VALUES") == 1 and seen[0][0].count("), (") == 2
    assert _bodies(db) == ["a", "b", "c"]  # in the order given, with the unit's tenant
    with db.platform() as s:
        assert {r.tenant_id for r in s.scalars(select(RecordedMessage))} == {1}


def test_a_query_in_the_unit_sees_them(db: Database) -> None:
    with db.tenant(1) as s:
        s.add_later(ADD, {"body": "early"})
        assert list(s.scalars(BODIES)) == ["early"]  # the ORM query flushed them first
        s.add_later(ADD, {"body": "late"})
    assert _bodies(db) == ["early", "late"]  # each written once


def test_nothing_is_written_when_the_unit_fails(db: Database) -> None:
    with pytest.raises(RuntimeError), db.tenant(1) as s:
        s.add_later(ADD, {"body": "lost"})
        raise RuntimeError("undone")
    assert _bodies(db) == []


def test_a_single_statement_unit_writes_at_once(db: Database) -> None:
    """On PostgreSQL such a unit runs in autocommit, with no commit to wait for (on SQLite
    it is an ordinary unit of work)."""
    with inserts(db) as seen, db.statement(1) as s:
        s.add_later(ADD, {"body": "now"})
        assert len(seen) == (1 if db.dialect == "postgresql" else 0)
    assert len(seen) == 1
    assert _bodies(db) == ["now"]
