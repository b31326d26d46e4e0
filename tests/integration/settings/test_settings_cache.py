"""Settings are kept in memory between transactions and still never read stale: a change
made by another process (here: another Database on the same database) is seen at once on
SQLite (each unit of work compares the tenant's settings version), and on PostgreSQL as soon
as its announcement arrives (``NOTIFY``, milliseconds; no query per unit of work)."""

from __future__ import annotations

import time
from collections.abc import Callable

from reshare.db import Database
from reshare.platform import Platform
from reshare.settings import service
from tests.support.factories import TenantFixture


def _read(db: Database, tenant_id: int, key: str) -> str | None:
    with db.reading(tenant_id) as session:
        return service.get_value(session, key)


def _seen(db: Database, tenant_id: int, key: str, wanted: Callable[[str | None], bool]) -> bool:
    """Whether ``db`` reads the wanted value at once (SQLite) or within a second (the
    PostgreSQL announcement travels between processes)."""
    deadline = time.monotonic() + (1.0 if db.dialect == "postgresql" else 0.0)
    while True:
        if wanted(_read(db, tenant_id, key)):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def test_a_change_by_another_process_is_seen_at_once(platform: Platform,
                                                     tenant_a: TenantFixture) -> None:
    assert _read(platform.db, tenant_a.id, "request_id_prefix") in (None, "")
    other = Database(platform.db.url)  # another process's engine and memory
    try:
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "NJSOOS-")
        assert _seen(platform.db, tenant_a.id, "request_id_prefix", lambda v: v == "NJSOOS-")
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", None)
        assert _seen(platform.db, tenant_a.id, "request_id_prefix", lambda v: v in (None, ""))
    finally:
        other.dispose()


def test_tenants_do_not_share_cached_settings(platform: Platform, tenant_a: TenantFixture,
                                              tenant_b: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as session:
        service.set_value(session, None, "request_id_prefix", "AAA-")
    with platform.db.tenant(tenant_b.id) as session:
        service.set_value(session, None, "request_id_prefix", "BBB-")
    for _ in range(2):  # the second round comes from memory
        assert _read(platform.db, tenant_a.id, "request_id_prefix") == "AAA-"
        assert _read(platform.db, tenant_b.id, "request_id_prefix") == "BBB-"


def test_a_change_in_the_same_unit_is_read_back(platform: Platform,
                                                tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as session:
        assert service.get_value(session, "request_id_prefix") in (None, "")
        service.set_value(session, None, "request_id_prefix", "NOW-")
        assert service.get_value(session, "request_id_prefix") == "NOW-"
    assert _read(platform.db, tenant_a.id, "request_id_prefix") == "NOW-"


def test_a_rolled_back_change_is_not_remembered(platform: Platform,
                                                tenant_a: TenantFixture) -> None:
    try:
        with platform.db.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "LOST-")
            assert service.get_value(session, "request_id_prefix") == "LOST-"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    other = Database(platform.db.url)  # the next change, from elsewhere, has the same number
    try:
        with other.tenant(tenant_a.id) as session:
            service.set_value(session, None, "request_id_prefix", "KEPT-")
    finally:
        other.dispose()
    assert _seen(platform.db, tenant_a.id, "request_id_prefix", lambda v: v == "KEPT-")
