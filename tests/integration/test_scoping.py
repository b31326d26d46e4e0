"""Tenant scoping is enforced by the unit of work, not by each query."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from reshare.db import CrossTenantAccess, Database
from reshare.platform import Platform
from reshare.settings.store import SettingValue
from reshare.tenancy import service
from reshare.tenancy.store import User
from tests.support.factories import TenantFixture


def _usernames(db: Database, tenant_id: int) -> set[str]:
    with db.tenant(tenant_id) as s:
        return set(s.scalars(select(User.username)))


def test_select_sees_only_own_rows(platform: Platform, tenant_a: TenantFixture,
                                   tenant_b: TenantFixture) -> None:
    service.create_user(platform.db, tenant_a.id, "only-in-a", "long-password")
    assert "only-in-a" in _usernames(platform.db, tenant_a.id)
    assert "only-in-a" not in _usernames(platform.db, tenant_b.id)
    # an explicit filter on the other tenant's id still finds nothing
    with platform.db.tenant(tenant_b.id) as s:
        assert s.scalars(select(User).where(User.tenant_id == tenant_a.id)).all() == []
        assert s.scalar(select(func.count()).select_from(User)) == 2  # admin + staff of B


def test_get_by_primary_key_of_other_tenant_is_none(platform: Platform, tenant_a: TenantFixture,
                                                     tenant_b: TenantFixture) -> None:
    user_id = service.create_user(platform.db, tenant_a.id, "a-user", "long-password")
    with platform.db.tenant(tenant_b.id) as s:
        assert s.get(User, user_id) is None
    with platform.db.tenant(tenant_a.id) as s:
        assert s.get(User, user_id) is not None


def test_bulk_update_and_delete_are_scoped(platform: Platform, tenant_a: TenantFixture,
                                           tenant_b: TenantFixture) -> None:
    with platform.db.tenant(tenant_b.id) as s:
        s.execute(update(User).values(display_name="renamed by B"))
        s.execute(delete(SettingValue))
    with platform.db.tenant(tenant_a.id) as s:
        names = set(s.scalars(select(User.display_name)))
        assert "renamed by B" not in names
        assert s.scalar(select(func.count()).select_from(SettingValue)) > 0
    with platform.db.tenant(tenant_b.id) as s:
        assert set(s.scalars(select(User.display_name))) == {"renamed by B"}
        assert s.scalar(select(func.count()).select_from(SettingValue)) == 0


def test_new_rows_are_stamped_and_foreign_rows_refused(platform: Platform,
                                                       tenant_a: TenantFixture,
                                                       tenant_b: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as s:
        row = SettingValue(section="x", key="stamped", value="1")
        s.add(row)
        s.flush()
        assert row.tenant_id == tenant_a.id
    with pytest.raises(CrossTenantAccess), platform.db.tenant(tenant_a.id) as s:
        s.add(SettingValue(section="x", key="forged", value="1", tenant_id=tenant_b.id))
    with platform.db.tenant(tenant_b.id) as s:
        assert s.scalars(select(SettingValue).where(SettingValue.key == "forged")).first() is None


def test_moving_a_row_to_another_tenant_is_refused(platform: Platform, tenant_a: TenantFixture,
                                                   tenant_b: TenantFixture) -> None:
    with pytest.raises(CrossTenantAccess), platform.db.tenant(tenant_a.id) as s:
        user = s.scalars(select(User)).first()
        assert user is not None
        user.tenant_id = tenant_b.id
    assert _usernames(platform.db, tenant_b.id) == {"admin", "staff"}


def test_unscoped_unit_of_work_refuses_tenant_data(platform: Platform,
                                                   tenant_a: TenantFixture) -> None:
    with pytest.raises(CrossTenantAccess), platform.db.unscoped() as s:
        s.scalars(select(User)).all()
    with pytest.raises(CrossTenantAccess), platform.db.unscoped() as s:
        s.add(User(username="x", password_hash="x"))
        s.flush()


def test_platform_unit_of_work_sees_every_tenant(platform: Platform, tenant_a: TenantFixture,
                                                 tenant_b: TenantFixture) -> None:
    with platform.db.platform() as s:
        tenants = set(s.scalars(select(User.tenant_id)))
    assert tenants == {tenant_a.id, tenant_b.id}


def test_failed_unit_of_work_changes_nothing(platform: Platform, tenant_a: TenantFixture) -> None:
    with pytest.raises(RuntimeError), platform.db.tenant(tenant_a.id) as s:
        s.add(SettingValue(section="x", key="rolled-back", value="1"))
        s.flush()
        raise RuntimeError("boom")
    with platform.db.tenant(tenant_a.id) as s:
        assert s.scalars(select(SettingValue).where(SettingValue.key == "rolled-back")).first() \
            is None


def test_after_commit_callbacks_run_only_after_commit(platform: Platform,
                                                      tenant_a: TenantFixture) -> None:
    calls: list[str] = []
    with platform.db.tenant(tenant_a.id) as s:
        s.after_commit(lambda: calls.append("committed"))
        assert calls == []
    assert calls == ["committed"]
    with pytest.raises(RuntimeError), platform.db.tenant(tenant_a.id) as s:
        s.after_commit(lambda: calls.append("should not run"))
        raise RuntimeError("boom")
    assert calls == ["committed"]


def test_reading_unit_works_inside_a_writing_unit(platform: Platform, tenant_a: TenantFixture,
                                                  tenant_b: TenantFixture) -> None:
    """An adapter factory may read settings while the use case holds its write transaction."""
    with platform.db.tenant(tenant_a.id) as outer:
        outer.add(SettingValue(section="x", key="uncommitted", value="1"))
        outer.flush()
        with platform.db.reading(tenant_a.id) as inner:
            keys = set(inner.scalars(select(SettingValue.key)))
            assert "request_id_prefix" in keys and "uncommitted" not in keys
            assert inner.scalars(select(User).where(User.tenant_id == tenant_b.id)).all() == []
    with pytest.raises(RuntimeError, match="read-only"), platform.db.reading(tenant_a.id) as s:
        s.add(SettingValue(section="x", key="sneaky", value="1"))
    with platform.db.reading() as s:  # platform-wide read
        assert set(s.scalars(select(User.tenant_id))) == {tenant_a.id, tenant_b.id}


def test_objects_read_in_a_reading_unit_stay_readable(platform: Platform,
                                                      tenant_a: TenantFixture) -> None:
    with platform.db.reading(tenant_a.id) as s:
        user = s.scalars(select(User).where(User.username == "admin")).one()
    assert user.username == "admin" and user.role == "admin"
