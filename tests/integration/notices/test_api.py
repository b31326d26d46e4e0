"""Notice routes: templates edited with validation, the queue listed and retried."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reshare.notices import service
from reshare.platform import Platform
from tests.support.factories import TenantFixture


def test_template_edit_validates_and_resets(client: TestClient, tenant_a: TenantFixture) -> None:
    h = tenant_a.headers()
    bad = client.put("/notice-templates/overdue", json={"subject": "s", "body": "{{ nope }}"},
                     headers=h)
    assert bad.status_code == 422 and "does not render" in bad.json()["message"]
    ok = client.put("/notice-templates/overdue",
                    json={"subject": "Late: {{ item.title }}", "body": "<p>x</p>"}, headers=h)
    assert ok.status_code == 200 and ok.json()["customised"] is True
    listed = {t["trigger"]: t for t in client.get("/notice-templates", headers=h).json()}
    assert listed["overdue"]["subject"] == "Late: {{ item.title }}"
    assert len(listed) == 9
    staff = client.put("/notice-templates/overdue", json={"subject": "s", "body": "b"},
                       headers=tenant_a.headers("staff"))
    assert staff.status_code == 403
    unknown = client.put("/notice-templates/nope", json={"subject": "s", "body": "b"}, headers=h)
    assert unknown.status_code == 422 and "unknown notice trigger" in unknown.json()["message"]
    assert client.delete("/notice-templates/overdue", headers=h).status_code == 200
    listed = {t["trigger"]: t for t in client.get("/notice-templates", headers=h).json()}
    assert listed["overdue"]["customised"] is False


def test_queue_list_and_retry(client: TestClient, platform: Platform,
                              tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as s:
        queued = service.queue_notice(s, "new_request", 1, email="a@b.c").id
        failed = service.queue_notice(s, "cancelled", 2, email="a@b.c")
        failed.status = "failed"
        failed_id = failed.id
    h = tenant_a.headers("staff")
    rows = client.get("/notices", headers=h).json()
    assert [r["id"] for r in rows] == [failed_id, queued]
    only_failed = client.get("/notices", params={"status": "failed"}, headers=h).json()
    assert [r["id"] for r in only_failed] == [failed_id]
    refused = client.post(f"/notices/{queued}/retry", headers=h)
    assert refused.status_code == 422
    again = client.post(f"/notices/{failed_id}/retry", headers=h)
    assert again.status_code == 200 and again.json()["status"] == "queued"
    assert client.post("/notices/99999/retry", headers=h).status_code == 404
