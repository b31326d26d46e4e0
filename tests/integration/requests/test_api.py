"""The request routes over HTTP: create, detail, 409 for an invalid action, list filters,
bulk actions, pull slips and the public statistics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reshare.platform import Platform
from tests.integration.requests.helpers import drain, make_pair
from tests.support.factories import TenantFixture


def test_create_act_and_read_over_http(client: TestClient, platform: Platform,
                                       tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])
    h = tenant_a.headers("staff")
    bad = client.post("/requests", json={"title": ""}, headers=h)
    assert bad.status_code == 422 and "patron" in bad.json()["message"]
    r = client.post("/requests", json={"title": "Neuromancer", "patron_id": "P7"}, headers=h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    drain(platform)
    detail = client.get(f"/requests/{rid}", headers=h).json()
    assert detail["state"] == "REQ_EXPECTS_TO_SUPPLY"
    assert "requesterCancel" in detail["valid_actions"]
    assert detail["rota"][0]["symbol"] == "RESHARE:BETA"
    assert [a["to_state"] for a in detail["audit"]][-1] == "REQ_EXPECTS_TO_SUPPLY"
    conflict = client.post(f"/requests/{rid}/actions", json={"action": "shippedReturn"},
                           headers=h)
    assert conflict.status_code == 409
    assert conflict.json()["details"]["state"] == "REQ_EXPECTS_TO_SUPPLY"
    assert client.get(f"/requests/{rid}/audit", headers=h).json() == detail["audit"]
    ok = client.post(f"/requests/{rid}/actions",
                     json={"action": "message", "params": {"note": "any news?"}}, headers=h)
    assert ok.status_code == 200
    drain(platform)
    sup = client.get("/requests?role=supplier", headers=tenant_b.headers()).json()
    assert len(sup) == 1
    sup_msgs = client.get(f"/requests/{sup[0]['id']}/messages", headers=tenant_b.headers())
    assert "any news?" in [m["note"] for m in sup_msgs.json()]


def test_list_filters(client: TestClient, platform: Platform, tenant_a: TenantFixture,
                      tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])
    h = tenant_a.headers()
    for title, patron in (("Foundation", "P1"), ("Hyperion", "P2")):
        client.post("/requests", json={"title": title, "patron_id": patron}, headers=h)
    drain(platform)
    assert [r["data"]["title"] for r in client.get("/requests?q=hyper", headers=h).json()] == [
        "Hyperion"]
    assert len(client.get("/requests?patron=P1", headers=h).json()) == 1
    assert len(client.get("/requests?state=REQ_EXPECTS_TO_SUPPLY", headers=h).json()) == 2
    assert client.get("/requests?role=supplier", headers=h).json() == []
    assert len(client.get("/requests?symbol=RESHARE:BETA", headers=h).json()) == 2
    assert len(client.get("/requests?needs_attention=true", headers=h).json()) == 0
    assert len(client.get("/requests?since=2000-01-01T00:00:00Z", headers=h).json()) == 2


def test_bulk_and_pull_slips(client: TestClient, platform: Platform, tenant_a: TenantFixture,
                             tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])
    for t in ("One", "Two"):
        client.post("/requests", json={"title": t, "patron_id": "P"}, headers=tenant_a.headers())
    drain(platform)
    hb = tenant_b.headers()
    ids = [r["id"] for r in client.get("/requests?role=supplier", headers=hb).json()]
    printed = client.post("/requests/pull-slips/printed", json={"request_ids": ids + [99999]},
                          headers=hb).json()
    assert sorted(printed["successful"]) == sorted(ids) and printed["notValid"] == [99999]
    refused = client.post("/requests/bulk-actions", json={
        "request_ids": ids, "action": "respondYes"}, headers=hb)
    assert refused.status_code == 422
    bulk = client.post("/requests/bulk-actions", json={
        "request_ids": ids, "action": "supplierCannotSupply", "params": {"reason": "missing"}},
        headers=hb).json()
    assert sorted(bulk["succeeded"]) == sorted(ids)
    drain(platform)
    states = {r["state"] for r in client.get("/requests", headers=tenant_a.headers()).json()}
    assert states == {"REQ_END_OF_ROTA"}


def test_statistics_are_public(client: TestClient, platform: Platform, tenant_a: TenantFixture,
                               tenant_b: TenantFixture) -> None:
    pair = make_pair(platform, tenant_a, [tenant_b])
    r = pair.create()
    s = pair.supplier_view(tenant_b, r.hrid)
    assert s is not None
    pair.act(tenant_b, s.id, "supplierPrintPullSlip")
    pair.act(tenant_b, s.id, "supplierCheckInToReshare", itemBarcodes=[{"itemId": "X"}])
    stats = client.get("/statistics/BETA").json()
    assert stats["requestsByTag"]["ACTIVE_LOAN"] == 1
    assert stats["requestsByState"]["Responder:RES_AWAIT_SHIP"] == 1
    assert client.get("/statistics/NOPE").status_code == 404
