"""Access cases for tenancy, settings and auth routes."""

from __future__ import annotations

import itertools

from reshare.platform import Platform
from reshare.settings import service as settings_service
from reshare.tenancy import service as tenancy
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

_names = itertools.count()
A_PREFIX = "ALPHASECRET-"


def _a_has_prefix(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        settings_service.set_value(s, "requests", "request_id_prefix", A_PREFIX)

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            assert settings_service.get_value(s, "request_id_prefix") == A_PREFIX

    return Probe(path_params={"section": "requests", "key": "request_id_prefix"},
                 json={"value": "HACKED-"}, marker=A_PREFIX, expect_status=None, verify=verify)


def _a_has_user(platform: Platform, a: TenantFixture) -> Probe:
    name = f"alpha-only-{next(_names)}"
    tenancy.create_user(platform.db, a.id, name, "long-enough-pw")
    return Probe(marker=name, expect_status=None)


def _b_creates_same_name(platform: Platform, a: TenantFixture) -> Probe:
    name = f"alpha-only-{next(_names)}"
    tenancy.create_user(platform.db, a.id, name, "long-enough-pw")

    def verify() -> None:
        names = [u["username"] for u in tenancy.list_users(platform.db, a.id)]
        assert names.count(name) == 1

    # user names are per library: B may use the same name, and A's user is untouched
    return Probe(json={"username": name, "password": "another-password"}, expect_status=201,
                 verify=verify)


def _own_only(platform: Platform, a: TenantFixture) -> Probe:
    return Probe(marker=a.code, expect_status=None)


CASES = {
    ("GET", "/settings"): AccessCase(_a_has_prefix),
    ("GET", "/settings/{section}"): AccessCase(_a_has_prefix),
    ("GET", "/settings/{section}/{key}"): AccessCase(_a_has_prefix),
    ("PUT", "/settings/{section}/{key}"): AccessCase(_a_has_prefix),
    ("GET", "/users"): AccessCase(_a_has_user),
    ("POST", "/users"): AccessCase(_b_creates_same_name),
    ("GET", "/tenant"): AccessCase(_own_only),
    ("GET", "/auth/me"): AccessCase(_own_only),
    ("POST", "/auth/tokens"): AccessCase(_own_only),
}
