"""Settings through the API: seeded defaults, validation, secrets, roles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.factories import TenantFixture


def test_new_tenant_has_every_setting_seeded(client: TestClient, tenant_a: TenantFixture) -> None:
    body = client.get("/settings", headers=tenant_a.headers("staff")).json()
    sections = {s["section"]: s for s in body["sections"]}
    assert sections["requests"]["label"] == "Request defaults"
    keys = {item["key"]: item for item in sections["requests"]["settings"]}
    assert keys["request_id_prefix"]["value"] is None  # not set yet: the check will say so
    assert "NJSOOS-" in keys["request_id_prefix"]["description"]
    assert "'-'" in keys["default_institutional_patron_id"]["description"]
    auto = client.get("/settings/autoResponder/auto_responder_status",
                      headers=tenant_a.headers()).json()
    assert auto["value"] == "on:_will_supply_and_cannot_supply"
    assert "on:_will_supply_only" in auto["vocabulary"]


def test_admin_sets_request_defaults(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.put("/settings/requests/request_id_prefix", json={"value": "ALPHA-"},
                   headers=tenant_a.headers())
    assert r.status_code == 200, r.text
    assert r.json()["value"] == "ALPHA-"
    r = client.put("/settings/requests/default_institutional_patron_id", json={"value": "-"},
                   headers=tenant_a.headers())
    assert r.json()["value"] == "-"
    got = client.get("/settings/requests/request_id_prefix", headers=tenant_a.headers("staff"))
    assert got.json()["value"] == "ALPHA-"
    # empty restores the default (none)
    client.put("/settings/requests/request_id_prefix", json={"value": ""},
               headers=tenant_a.headers())
    assert client.get("/settings/requests/request_id_prefix",
                      headers=tenant_a.headers()).json()["value"] is None


def test_bad_key_and_bad_value_change_nothing(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.put("/settings/requests/request_idprefix", json={"value": "X-"},
                   headers=tenant_a.headers())
    assert r.status_code == 404
    assert r.json()["error"] == "unknown_setting"
    assert "request_id_prefix" in r.json()["message"]

    r = client.put("/settings/autoResponder/auto_responder_status", json={"value": "maybe"},
                   headers=tenant_a.headers())
    assert r.status_code == 422
    assert r.json()["error"] == "validation_failed"
    assert "allowed" in r.json()["message"]
    r = client.put("/settings/requests/default_loan_period", json={"value": "soon"},
                   headers=tenant_a.headers())
    assert r.status_code == 422 and "whole number" in r.json()["message"]
    assert client.get("/settings/autoResponder/auto_responder_status",
                      headers=tenant_a.headers()).json()["value"] == \
        "on:_will_supply_and_cannot_supply"
    assert client.get("/settings/requests/default_loan_period",
                      headers=tenant_a.headers()).json()["value"] == "56"

    r = client.get("/settings/nosuchsection", headers=tenant_a.headers())
    assert r.status_code == 404 and r.json()["error"] == "unknown_section"


def test_secrets_are_write_only(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.put("/settings/sharedIndex/shared_index_pass", json={"value": "s3cret-pass"},
                   headers=tenant_a.headers())
    assert r.status_code == 200
    assert "s3cret-pass" not in r.text
    for path in ("/settings", "/settings/sharedIndex", "/settings/sharedIndex/shared_index_pass"):
        text = client.get(path, headers=tenant_a.headers()).text
        assert "s3cret-pass" not in text
    one = client.get("/settings/sharedIndex/shared_index_pass", headers=tenant_a.headers()).json()
    assert one["secret"] is True and one["is_set"] is True and one["value"] == "********"


def test_staff_can_read_but_not_change_settings(client: TestClient,
                                                tenant_a: TenantFixture) -> None:
    r = client.put("/settings/requests/request_id_prefix", json={"value": "X-"},
                   headers=tenant_a.headers("staff"))
    assert r.status_code == 403
    assert r.json()["error"] == "admin_required"
