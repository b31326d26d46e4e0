"""Migrations build the same schema as the models, from empty, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from reshare import migrate
from reshare.db import Base, Database
from tests.support.databases import postgres_admin_url, postgres_database, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgresql":
        if postgres_admin_url() is None:
            pytest.skip("RESHARE_TEST_POSTGRES_URL is not set")
        with postgres_database("reshare_migr") as url:
            db = Database(url)
            yield db
            db.dispose()
    else:
        db = Database(sqlite_url(tmp_path, "migr.db"))
        yield db
        db.dispose()


def test_upgrade_from_empty_matches_the_models(empty_db: Database) -> None:
    assert not migrate.is_current(empty_db.engine)
    migrate.upgrade(empty_db.engine)
    assert migrate.is_current(empty_db.engine)
    tables = set(inspect(empty_db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"models and migrations differ: {diff}"
    migrate.upgrade(empty_db.engine)  # repeating is harmless
    assert migrate.is_current(empty_db.engine)


def test_every_capability_branch_is_based_on_tenancy() -> None:
    from alembic.script import ScriptDirectory

    cfg = migrate.alembic_config(Database("sqlite://").engine)
    script = ScriptDirectory.from_config(cfg)
    for base in script.get_bases():
        rev = script.get_revision(base)
        assert rev is not None
        if base != "tenancy_0001":
            assert rev.dependencies in ("tenancy_0001", ("tenancy_0001",)), base
        assert rev.branch_labels, f"{base} has no branch label"


def test_upgrade_with_percent_encoded_url(tmp_path: Path) -> None:
    """A URL with %-encoded characters (a password with '@', a socket path) upgrades."""
    from sqlalchemy import create_engine

    folder = tmp_path / "100%"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / 'x.db'}")
    assert "%" in engine.url.render_as_string(hide_password=False)
    try:
        migrate.upgrade(engine)
        assert "tenants" in inspect(engine).get_table_names()
        assert migrate.alembic_config(engine).get_main_option("sqlalchemy.url") == \
            engine.url.render_as_string(hide_password=False)
    finally:
        engine.dispose()


def test_messages_queued_in_the_outbox_take_its_status_after_requests_0002(
        empty_db: Database) -> None:
    """Before requests_0002 a confirmed send wrote OK on the message; from it on, messages
    queued in the outbox ('outbox') show the outbox row's status. Messages of the local
    queue keep 'queued' (the local courier still writes the outcome)."""
    from alembic import command
    from sqlalchemy import text

    from reshare.requests.courier import deliveries
    from reshare.requests.store import LocalMessage, PatronRequest, RequestMessage
    from reshare.tenancy import service as tenancy

    migrate.upgrade(empty_db.engine)
    cfg = migrate.alembic_config(empty_db.engine)
    command.downgrade(cfg, "requests_0001")
    tenant = tenancy.create_tenant(empty_db, "MIGR", "Migr").id
    with empty_db.tenant(tenant) as s:
        req = PatronRequest(hrid="MIGR-1", is_requester=True, state_model="PatronRequest",
                            state="REQ_IDLE", previous_states={}, needs_attention=False)
        s.add(req)
        s.flush()
        local = LocalMessage(peer_symbol="X", payload={})
        s.add(local)
        s.flush()
        for _ in range(2):  # ids apart from the local queue's
            s.execute(text("INSERT INTO iso18626_outbox (tenant_id, request_ref, element, "
                           "sender_symbol, peer_symbol, body, status, attempts, probe_next, "
                           "next_attempt_at, created_at) VALUES (:t, '1', 'x', 'A', 'B', "
                           "'<x/>', 'delivered', 1, false, :now, :now)"),
                      {"t": tenant, "now": "2026-01-01 00:00:00+00:00"})
        sent = s.execute(text("SELECT max(id) FROM iso18626_outbox")).scalar_one()
        assert sent != local.id
        for box_id in (sent, local.id):
            s.add(RequestMessage(request_id=req.id, outbound=True, delivery="queued",
                                 outbox_id=box_id))
    command.upgrade(cfg, "heads")
    with empty_db.tenant(tenant) as s:
        rows = [{"outbox_id": m.outbox_id, "delivery": m.delivery}
                for m in s.query(RequestMessage).order_by(RequestMessage.id)]
        assert [r["delivery"] for r in rows] == ["outbox", "queued"]
        deliveries(s, rows)
        assert [r["delivery"] for r in rows] == ["OK", "queued"]
    command.downgrade(cfg, "requests_0001")  # the old code's copy comes back
    with empty_db.tenant(tenant) as s:
        assert [m.delivery for m in s.query(RequestMessage).order_by(RequestMessage.id)] == [
            "OK", "queued"]
