"""Access cases for the directory routes: the directory is shared reading, but tenant B never
sees A's local properties and can never change or remove A's managed entries (404)."""

from __future__ import annotations

from collections.abc import Callable

from reshare.directory import editing, service
from reshare.platform import Platform
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

PRIVATE = "ALPHA-PRIVATE-PATRON"


def _alpha(platform: Platform, a: TenantFixture) -> None:
    """A's library (created once per test): institution, pickup branch, private property."""
    with platform.db.tenant(a.id) as s:
        if service.find_entry(s, "alpha") is not None:
            return
        editing.create_entry(s, a.id, editing.EntryDraft(
            type="institution", name="Alpha University", slug="alpha",
            symbols=["RESHARE:ALPHA"], services={"ISO18626": "https://alpha.edu/iso18626"},
            properties={"AdditionalHeaders": "X-Alpha:1",
                        "local_institutionalPatronId": PRIVATE}))
        editing.create_entry(s, a.id, editing.EntryDraft(
            type="branch", name="Alpha Main", slug="alpha-main", parent="alpha",
            tags=["pickup"]))


def _unchanged(platform: Platform, a: TenantFixture) -> Callable[[], None]:
    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            alpha = service.resolve_symbol(s, "RESHARE:ALPHA")
            assert alpha is not None and alpha.entry_name == "Alpha University"
            assert alpha.owner_tenant_id == a.id
            assert alpha.iso18626_url == "https://alpha.edu/iso18626"
            assert alpha.properties == {"AdditionalHeaders": "X-Alpha:1",
                                        "local_institutionalPatronId": PRIVATE}
            assert [u.slug for u in service.units_of(s, alpha.entry_id)] == ["alpha-main"]
            assert service.symbols_of_tenant(s, a.id) == ["RESHARE:ALPHA"]
    return verify


def _reads(**path: str) -> Callable[[Platform, TenantFixture], Probe]:
    def setup(platform: Platform, a: TenantFixture) -> Probe:
        _alpha(platform, a)
        return Probe(path_params=path, marker=PRIVATE, expect_status=200)
    return setup


def _writes(json: object = None, **path: str) -> Callable[[Platform, TenantFixture], Probe]:
    def setup(platform: Platform, a: TenantFixture) -> Probe:
        _alpha(platform, a)
        return Probe(path_params=path, json=json, marker=PRIVATE, expect_status=404,
                     verify=_unchanged(platform, a))
    return setup


def _own_only(marker: str) -> Callable[[Platform, TenantFixture], Probe]:
    def setup(platform: Platform, a: TenantFixture) -> Probe:
        _alpha(platform, a)
        return Probe(marker=marker, expect_status=200)
    return setup


ENTRY = "/directory/entries/{key}"
CASES = {
    ("GET", "/directory/entries"): AccessCase(_reads()),
    ("GET", ENTRY): AccessCase(_reads(key="alpha")),
    ("GET", "/directory/symbols/{symbol}"): AccessCase(_reads(symbol="RESHARE:ALPHA")),
    ("GET", "/directory/pickup-locations"): AccessCase(_own_only("alpha-main")),
    ("GET", "/tenant/readiness"): AccessCase(_own_only("RESHARE:ALPHA")),
    # B may not hang a unit under A's institution
    ("POST", "/directory/entries"): AccessCase(_writes(
        {"type": "branch", "name": "Intruder", "parent": "alpha"})),
    ("PATCH", ENTRY): AccessCase(_writes({"name": "Hacked"}, key="alpha")),
    ("DELETE", ENTRY): AccessCase(_writes(key="alpha-main")),
    ("POST", ENTRY + "/symbols"): AccessCase(_writes({"symbol": "RESHARE:HACK"}, key="alpha")),
    ("DELETE", ENTRY + "/symbols/{symbol}"): AccessCase(_writes(key="alpha",
                                                                symbol="RESHARE:ALPHA")),
    ("PUT", ENTRY + "/services/{kind}"): AccessCase(_writes(
        {"address": "https://evil.example/iso18626"}, key="alpha", kind="iso18626")),
    ("DELETE", ENTRY + "/services/{kind}"): AccessCase(_writes(key="alpha", kind="iso18626")),
    ("PUT", ENTRY + "/properties/{name}"): AccessCase(_writes(
        {"value": "not_lending"}, key="alpha", name="policy.ill.loan_policy")),
    ("DELETE", ENTRY + "/properties/{name}"): AccessCase(_writes(key="alpha",
                                                                 name="AdditionalHeaders")),
}
