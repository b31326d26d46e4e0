"""The directory over HTTP: create, read, update, delete; clear errors; feed and friends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.factories import TenantFixture


def test_crud_of_entries_symbols_services_and_properties(
        client: TestClient, tenant_a: TenantFixture) -> None:
    h = tenant_a.headers()
    created = client.post("/directory/entries", headers=h, json={
        "type": "institution", "name": "Alpha University", "symbols": ["reshare:alpha"],
        "services": {"iso18626": "https://alpha.edu/iso18626"},
        "properties": {"policy.ill.InstitutionalLoanToBorrowRatio": "2:1"},
        "addresses": [{"type": "shipping", "lines": ["1 Campus Rd"]}]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["slug"], body["status"], body["symbols"]) == (
        "alpha-university", "managed", ["RESHARE:ALPHA"])
    assert body["owner_tenant_id"] == tenant_a.id
    branch = client.post("/directory/entries", headers=h, json={
        "type": "branch", "name": "Main", "parent": "RESHARE:ALPHA", "tags": ["pickup"],
        "lms_location_code": "MAIN"}).json()
    assert branch["effective_symbols"] == ["RESHARE:ALPHA"] and branch["symbols"] == []
    assert client.post(f"/directory/entries/{branch['slug']}/symbols", headers=h,
                       json={"symbol": "isil:us-main"}).json()["symbols"] == ["ISIL:US-MAIN"]
    assert client.delete(f"/directory/entries/{branch['slug']}/symbols/ISIL:US-MAIN",
                         headers=h).json()["symbols"] == []
    svc = client.put("/directory/entries/alpha-university/services/ncip", headers=h,
                     json={"address": "https://alpha.edu/ncip"}).json()["services"]
    assert {s["type"] for s in svc} == {"ISO18626", "NCIP"}
    assert client.delete("/directory/entries/alpha-university/services/NCIP",
                         headers=h).status_code == 200
    prop = client.put("/directory/entries/alpha-university/properties/policy.ill.loan_policy",
                      headers=h, json={"value": "Lending All Types"}).json()
    assert prop["properties"]["policy.ill.loan_policy"] == "lending_all_types"
    patched = client.patch(f"/directory/entries/{branch['id']}", headers=h,
                           json={"name": "Main Library", "lms_location_code": "M1"}).json()
    assert (patched["name"], patched["lms_location_code"]) == ("Main Library", "M1")
    assert [p["slug"] for p in client.get("/directory/pickup-locations",
                                          headers=tenant_a.headers("staff")).json()] == ["main"]
    resolved = client.get("/directory/symbols/Reshare:Alpha", headers=h).json()
    assert resolved["iso18626_url"] == "https://alpha.edu/iso18626"
    assert client.get("/directory/entries?mine=true&type=branch",
                      headers=h).json()[0]["slug"] == "main"
    assert client.delete("/directory/entries/main", headers=h).status_code == 204
    assert client.get("/directory/entries/main", headers=h).status_code == 404


def test_bad_input_gets_a_clear_error_and_changes_nothing(
        client: TestClient, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    h = tenant_a.headers()
    client.post("/directory/entries", headers=h, json={
        "type": "institution", "name": "Alpha", "slug": "alpha", "symbols": ["RESHARE:ALPHA"]})
    cases = [
        (client.post("/directory/entries", headers=tenant_b.headers(), json={
            "type": "institution", "name": "Beta", "symbols": ["reshare:ALPHA"]}),
         409, "symbol_taken", "RESHARE:ALPHA already belongs to Alpha"),
        (client.post("/directory/entries", headers=h, json={
            "type": "institution", "name": "Bad", "symbols": ["NOCOLON"]}),
         422, "validation_failed", "AUTHORITY:SYMBOL"),
        (client.put("/directory/entries/alpha/properties/policy.ill.InstitutionalLoanToBorrowRatio",
                    headers=h, json={"value": "lots"}), 422, "validation_failed", "loan:borrow"),
        (client.get("/directory/symbols/RESHARE:NOBODY", headers=h), 404, "unknown_symbol",
         "no directory entry has the symbol RESHARE:NOBODY"),
        (client.post("/directory/entries", headers=tenant_a.headers("staff"), json={
            "type": "institution", "name": "Staff"}), 403, "admin_required", "administrator"),
    ]
    for response, status, code, words in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"] == code and words in response.json()["message"]
    names = [e["name"] for e in client.get("/directory/entries", headers=h).json()]
    assert names == ["Alpha"]


def test_feed_is_public_and_friends_need_the_platform_admin(
        client: TestClient, tenant_a: TenantFixture, admin_headers: dict[str, str]) -> None:
    client.post("/directory/entries", headers=tenant_a.headers(), json={
        "type": "institution", "name": "Alpha", "symbols": ["RESHARE:ALPHA"],
        "properties": {"ALMA_AGENCY_ID": "PRIVATE01"}})
    feed = client.get("/directory/feed")
    assert feed.status_code == 200 and feed.json()["entries"][0]["symbols"] == ["RESHARE:ALPHA"]
    assert "PRIVATE01" not in feed.text
    assert client.post("/directory/friends", headers=tenant_a.headers(),
                       json={"url": "https://peer.org"}).status_code == 403
    added = client.post("/directory/friends", headers=admin_headers,
                        json={"url": "https://peer.org/", "label": "Peer"})
    assert added.status_code == 201 and added.json()["url"] == "https://peer.org/directory/feed"
    again = client.post("/directory/friends", headers=admin_headers,
                        json={"url": "https://peer.org/directory/feed"})
    assert again.status_code == 409
    bad = client.post("/directory/friends", headers=admin_headers, json={"url": "peer.org"})
    assert bad.status_code == 422 and "http(s) URL" in bad.json()["message"]
    friend_id = added.json()["id"]
    assert client.delete(f"/directory/friends/{friend_id}", headers=admin_headers).status_code \
        == 204
    assert client.get("/directory/friends", headers=admin_headers).json() == []
    assert client.post("/directory/sync", headers=admin_headers, json={}).json() == []
