"""ScopedSession.core: prebuilt Core statements scoped to the unit's tenant like ORM ones."""

from __future__ import annotations

import pytest
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import aliased

from reshare.db import Base, CrossTenantAccess, Database, scope_criterion
from reshare.iso18626.store import RecordedMessage

# any tenant-owned table will do: this one has a few plain columns
T = RecordedMessage.__table__
ADD = insert(T).values(element="x", request_id="r")
NAMES = select(T.c.body).order_by(T.c.body)
RENAME = update(T).values(body="renamed")
COUNT = select(func.count()).select_from(T)
OTHER = aliased(RecordedMessage)
NESTED = select(T.c.body).where(exists().where(OTHER.id > T.c.id))
EARLIER = T.alias("earlier")
# a Core subquery scoped by hand: the rows with an earlier row of the same tenant (the outer
# table named in it needs the criterion too: correlation is only decided at compile time)
LATER = select(T.c.body).where(exists().where(EARLIER.c.id < T.c.id, scope_criterion(EARLIER),
                                              scope_criterion(T)))
# an INSERT reading its tenant's rows: the new row's note says how many there were
ADD_COUNTED = insert(T).values(element="x", request_id="r", note=select(func.count())
                               .where(scope_criterion(EARLIER)).scalar_subquery())
ADD_UNSCOPED = insert(T).values(element="x", request_id="r", note=select(func.count())
                                .select_from(T).scalar_subquery())  # all tenants' rows
HALF_SCOPED = select(T.c.body).where(
    exists().where(EARLIER.c.id < T.c.id, scope_criterion(EARLIER)))  # T is not


@pytest.fixture()
def db(tmp_path) -> Database:  # type: ignore[no-untyped-def]
    from reshare import capabilities
    from reshare.tenancy.store import Tenant

    capabilities.load_models()
    database = Database(f"sqlite:///{tmp_path / 'core.db'}")
    Base.metadata.create_all(database.engine)
    with database.platform() as s:
        s.add_all([Tenant(id=1, code="A", name="A"), Tenant(id=2, code="B", name="B")])
    return database


def test_each_tenant_reads_and_changes_only_its_rows(db: Database) -> None:
    with db.tenant(1) as s:
        s.core(ADD, [{"body": "a1"}, {"body": "a2"}])
    with db.tenant(2) as s:
        s.core(ADD, {"body": "b1"})
        assert s.core(NAMES).scalars().all() == ["b1"]
        assert s.core(RENAME).rowcount == 1
    with db.tenant(1) as s:
        assert s.core(NAMES).scalars().all() == ["a1", "a2"]
        assert s.core(COUNT).scalar() == 2
    with db.platform() as s:
        assert sorted(s.core(NAMES).scalars().all()) == ["a1", "a2", "renamed"]


def test_a_row_of_another_tenant_is_refused(db: Database) -> None:
    with pytest.raises(CrossTenantAccess), db.tenant(1) as s:
        s.core(ADD, {"body": "x", "tenant_id": 2})
    with db.platform() as s:
        assert s.core(COUNT).scalar() == 0


def test_tenant_data_outside_a_tenant_unit_and_unseen_subqueries_are_refused(
        db: Database) -> None:
    with pytest.raises(CrossTenantAccess), db.unscoped() as s:
        s.core(NAMES)
    with pytest.raises(CrossTenantAccess), db.tenant(1) as s:
        s.core(NESTED)


def test_subqueries_scoped_with_scope_criterion_are_accepted_and_bound(db: Database) -> None:
    with db.tenant(2) as s:
        s.core(ADD, [{"body": "b1"}, {"body": "b2"}, {"body": "b3"}])
    with db.tenant(1) as s:
        s.core(ADD_COUNTED, {"body": "a1"})  # tenant 2's rows are not counted
        s.core(ADD_COUNTED, {"body": "a2"})
        assert s.core(LATER).scalars().all() == ["a2"]
        assert [m.note for m in s.load(LOAD)] == ["0", "1"]
    with db.tenant(2) as s:
        assert s.core(LATER).scalars().all() == ["b2", "b3"]
    with pytest.raises(CrossTenantAccess), db.tenant(1) as s:
        s.core(HALF_SCOPED)  # every subquery on tenant data needs it
    with pytest.raises(CrossTenantAccess), db.tenant(1) as s:
        s.core(ADD_UNSCOPED)  # in an INSERT its own table is not a correlated outer row
    with pytest.raises(CrossTenantAccess), db.unscoped() as s:
        s.core(LATER)


def test_orm_changes_are_flushed_before_a_core_read(db: Database) -> None:
    with db.tenant(1) as s:
        s.add(RecordedMessage(element="x", request_id="r", body="pending"))
        assert s.core(NAMES).scalars().all() == ["pending"]


def test_the_sqlite_writer_lock_is_held_until_the_commit_has_run(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Handed on before COMMIT, the next writer's BEGIN IMMEDIATE would meet SQLite's own
    lock and sleep in its busy handler."""
    from reshare import db as dbmodule

    writer = dbmodule._WRITERS[db.engine]
    dialect_class = type(db.engine.dialect)
    held: list[bool] = []
    plain = dialect_class.do_commit

    def commit(self: object, connection: object) -> None:
        held.append(writer._is_owned())  # type: ignore[attr-defined]
        plain(self, connection)  # type: ignore[arg-type]

    monkeypatch.setattr(dialect_class, "do_commit", commit)
    with db.tenant(1) as s:
        s.core(ADD, {"body": "x"})
    assert held == [True] and not writer._is_owned()  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError), db.tenant(1) as s:
        s.core(ADD, {"body": "y"})
        raise RuntimeError("rolled back")
    assert not writer._is_owned()  # type: ignore[attr-defined]
    with db.tenant(1) as s:  # and the next writer gets it
        assert s.core(COUNT).scalar() == 1


LOAD = select(RecordedMessage).order_by(RecordedMessage.body)  # a prebuilt ORM query


def test_prebuilt_orm_query_is_scoped_per_tenant(db: Database) -> None:
    with db.tenant(1) as s:
        s.core(ADD, [{"body": "a1"}, {"body": "a2"}])
    with db.tenant(2) as s:
        s.core(ADD, {"body": "b1"})
    for _ in range(2):  # the second round uses the scoped forms built in the first
        with db.tenant(1) as s:
            assert [m.body for m in s.load(LOAD)] == ["a1", "a2"]
        with db.tenant(2) as s:
            assert [m.body for m in s.load(LOAD)] == ["b1"]
    with db.platform() as s:
        assert [m.body for m in s.load(LOAD)] == ["a1", "a2", "b1"]
    with pytest.raises(CrossTenantAccess), db.unscoped() as s:
        s.load(LOAD).all()
