"""OpenURL intake up to the request: error pages, the pre-filled form, identity, JSON answers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.settings import service as settings_service
from tests.support.factories import TenantFixture

HTML = {"Accept": "text/html"}
SAMPLE = (Path(__file__).parents[2] / "fixtures" / "openurl"
          / "listener-openurl__example1.openurl").read_text().strip()


def test_unknown_library_gets_a_clear_page(client: TestClient) -> None:
    r = client.get("/openurl/NOSUCH?rft.title=x", headers=HTML)
    assert r.status_code == 404
    assert "There is no library called NOSUCH" in r.text and "<h1>Not found</h1>" in r.text


def test_unknown_library_as_json(client: TestClient) -> None:
    r = client.get("/openurl/NOSUCH?rft.title=x", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_tenant"


def test_primo_book_without_author_opens_the_prefilled_form(
        client: TestClient, tenant_a: TenantFixture) -> None:
    query = SAMPLE.split("?", 1)[1]
    r = client.get(f"/openurl/{tenant_a.code}?{query}", headers=HTML)
    assert r.status_code == 200
    assert 'value="Property and wealth in classical Sparta"' in r.text
    assert 'value="0715630407"' in r.text and 'value="2000"' in r.text
    assert "Author <span class=\"bad\">(required)</span>" in r.text
    assert "Pickup location <span class=\"bad\">(required)</span>" in r.text
    # what the form does not show travels along hidden, e.g. the referrer
    assert 'name="rfr_id" value="info:sid/primo.exlibrisgroup.com-01NWU_ALMA"' in r.text


def test_submitted_form_still_incomplete_is_422_with_values_kept(
        client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.post(f"/openurl/{tenant_a.code}",
                    data={"rft.title": "Kept title", "rft.au": "", "svc_id": "loan"},
                    headers=HTML)
    assert r.status_code == 422 and 'value="Kept title"' in r.text


def test_values_are_escaped_in_the_form(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.get(f"/openurl/{tenant_a.code}",
                   params={"rft.title": '"><script>alert(1)</script>'}, headers=HTML)
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text


def test_missing_patron_with_trusted_header_is_explained(
        client: TestClient, platform: Platform, tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as s:
        settings_service.set_value(s, "openurl", "openurl_patron_header", "X-Remote-User")
    params = {"rft.title": "T", "rft.au": "A", "svc.pickupLocation": "main",
              "req_id": "spoofed"}  # req_id is ignored when a header is configured
    r = client.get(f"/openurl/{tenant_a.code}", params=params, headers=HTML)
    assert r.status_code == 422 and "We cannot tell who is asking" in r.text
    assert 'name="req_id"' not in r.text  # the form does not ask for the card number


def test_json_callers_get_what_is_missing(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.get(f"/openurl/{tenant_a.code}", params={"rft.title": "T", "format": "json"})
    assert r.status_code == 422
    assert r.json()["details"]["missing"] == ["author", "pickup_location"]


def test_no_tenant_and_no_pickup_location(client: TestClient) -> None:
    r = client.get("/openurl?rft.title=x", headers=HTML)
    assert r.status_code == 422 and "does not name a library" in r.text


def test_patron_page_needs_identity(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.get(f"/patron/{tenant_a.code}", headers=HTML)
    assert r.status_code == 401 and "We cannot tell who you are" in r.text
    forged = client.get(f"/patron/{tenant_a.code}?token=abc.def", headers=HTML)
    assert forged.status_code == 401


def _pickup(platform: Platform, tenant: TenantFixture, slug: str) -> None:
    from reshare.directory import editing

    with platform.db.tenant(tenant.id) as s:
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="institution", name=f"{tenant.code} Library", slug=tenant.code.lower()))
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="branch", name=f"{tenant.code} Front desk", slug=slug,
            parent=tenant.code.lower(), tags=["pickup"]))


def test_library_found_from_the_pickup_location(client: TestClient, platform: Platform,
                                                tenant_a: TenantFixture,
                                                tenant_b: TenantFixture) -> None:
    _pickup(platform, tenant_a, "alpha-desk")
    _pickup(platform, tenant_b, "beta-desk")
    r = client.get("/openurl", params={"rft.title": "T", "svc.pickupLocation": "beta-desk"},
                   headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/openurl/{tenant_b.code}?")
    unknown = client.get("/openurl", params={"svc.pickupLocation": "nowhere"}, headers=HTML)
    assert unknown.status_code == 404 and "No library has the pickup location" in unknown.text


def test_unknown_pickup_location_offers_the_real_ones(client: TestClient, platform: Platform,
                                                     tenant_a: TenantFixture) -> None:
    _pickup(platform, tenant_a, "alpha-desk")
    r = client.get(f"/openurl/{tenant_a.code}", headers=HTML,
                   params={"rft.title": "T", "rft.au": "A", "req_id": "P1",
                           "svc.pickupLocation": "elsewhere"})
    assert r.status_code == 422 and "is not one of this library" in r.text
    assert '<option value="alpha-desk">ALPHA Front desk</option>' in r.text
