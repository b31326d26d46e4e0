"""Access cases for the LMS routes: tenant B never sees or changes tenant A's LMS tables."""

from __future__ import annotations

import itertools

from reshare.lms import preferences
from reshare.lms.z3950.holdings import ItemLocation
from reshare.platform import Platform
from reshare.settings import service as settings_service
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

_names = itertools.count()


def _a_has_location(platform: Platform, a: TenantFixture) -> tuple[str, str]:
    code = f"ALPHA-ONLY-LOC-{next(_names)}"
    shelf = f"ALPHA-ONLY-SHELF-{next(_names)}"
    with platform.db.tenant(a.id) as s:
        preferences.register_codes(s, [ItemLocation(code, shelving_location=shelf,
                                                     loan_policy=code + "-POLICY")])
        preferences.register_patron_profile(s, code + "-PROFILE")
    return code, shelf


def _list(platform: Platform, a: TenantFixture) -> Probe:
    code, _ = _a_has_location(platform, a)
    return Probe(path_params={"kind": "locations"}, marker=code, expect_status=200)


def _update(platform: Platform, a: TenantFixture) -> Probe:
    code, _ = _a_has_location(platform, a)

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            row = next(e for e in preferences.list_entries(s, "locations") if e["code"] == code)
            assert row["supply_preference"] == 0 and row["needs_review"]

    return Probe(path_params={"kind": "locations", "code": code},
                 json={"supply_preference": 9}, marker=code, expect_status=404, verify=verify)


def _site(platform: Platform, a: TenantFixture) -> Probe:
    code, shelf = _a_has_location(platform, a)
    return Probe(json={"location": code, "shelving_location": shelf, "supply_preference": 4},
                 marker=code, expect_status=404)


def _profile(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        settings_service.set_value(s, None, "host_lms_integration", "polaris")
    return Probe(marker="Polaris", expect_status=200)


CASES = {
    ("GET", "/lms/profile"): AccessCase(_profile),
    ("GET", "/lms/{kind}"): AccessCase(_list),
    ("PATCH", "/lms/{kind}/{code}"): AccessCase(_update),
    ("PUT", "/lms/shelving-location-sites"): AccessCase(_site),
}
