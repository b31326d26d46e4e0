"""LMS routes: staff list what the catalogue reported, administrators rate it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reshare.lms import preferences
from reshare.lms.z3950.holdings import ItemLocation
from reshare.platform import Platform
from tests.support.factories import TenantFixture


def _seen(platform: Platform, tenant: TenantFixture) -> None:
    with platform.db.tenant(tenant.id) as s:
        preferences.register_codes(s, [
            ItemLocation("Main Library", shelving_location="Stacks", loan_policy="Standard"),
            ItemLocation("Annex", shelving_location="Stacks")])


def test_staff_list_and_admin_rate(client: TestClient, platform: Platform,
                                   tenant_a: TenantFixture) -> None:
    _seen(platform, tenant_a)
    staff = tenant_a.headers("staff")
    listed = client.get("/lms/locations", headers=staff)
    assert listed.status_code == 200
    assert [e["code"] for e in listed.json()] == ["Annex", "Main Library"]
    assert all(e["needs_review"] for e in listed.json())

    denied = client.patch("/lms/locations/Annex", json={"supply_preference": 3}, headers=staff)
    assert denied.status_code == 403
    rated = client.patch("/lms/locations/Annex", json={"supply_preference": 3},
                         headers=tenant_a.headers())
    assert rated.status_code == 200, rated.text
    assert rated.json()["supply_preference"] == 3 and not rated.json()["needs_review"]
    review = client.get("/lms/locations", params={"needs_review": "true"}, headers=staff).json()
    assert [e["code"] for e in review] == ["Main Library"]

    policy = client.patch("/lms/loan-policies/Standard", json={"lendable": False},
                          headers=tenant_a.headers())
    assert policy.json()["lendable"] is False


def test_bad_input_changes_nothing(client: TestClient, platform: Platform,
                                   tenant_a: TenantFixture) -> None:
    _seen(platform, tenant_a)
    admin = tenant_a.headers()
    wrong_field = client.patch("/lms/locations/Annex", json={"lendable": False}, headers=admin)
    assert wrong_field.status_code == 422 and "lendable" in wrong_field.json()["message"]
    assert client.patch("/lms/locations/Nowhere", json={"hidden": True},
                        headers=admin).status_code == 404
    assert client.get("/lms/bananas", headers=admin).status_code == 404
    too_big = client.patch("/lms/locations/Annex", json={"supply_preference": 10**6},
                           headers=admin)
    assert too_big.status_code == 422
    annex = next(e for e in client.get("/lms/locations", headers=admin).json()
                 if e["code"] == "Annex")
    assert annex["needs_review"] and annex["supply_preference"] == 0


def test_site_preference_and_profile(client: TestClient, platform: Platform,
                                     tenant_a: TenantFixture) -> None:
    _seen(platform, tenant_a)
    admin = tenant_a.headers()
    ok = client.put("/lms/shelving-location-sites", headers=admin,
                    json={"location": "Annex", "shelving_location": "Stacks",
                          "supply_preference": 2})
    assert ok.status_code == 200 and ok.json()["supply_preference"] == 2
    profile = client.get("/lms/profile", headers=tenant_a.headers("staff")).json()
    assert profile["host_lms_integration"] == "manual" and profile["transport"] == "none"
