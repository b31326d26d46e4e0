"""Login, sessions, tokens, provisioning, health."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.tenancy import service
from reshare.tenancy.model import TenantStatus
from tests.support.factories import PASSWORD, TenantFixture


def test_healthz_checks_the_database(client: TestClient, platform: Platform) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": platform.db.dialect}


def test_browser_login_sets_a_secure_http_only_session(client: TestClient,
                                                       tenant_a: TenantFixture) -> None:
    r = client.post("/auth/login", json={"tenant": "alpha", "username": "staff",
                                         "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/auth/me").json() == {"tenant": "ALPHA", "username": "staff",
                                             "role": "staff"}
    client.post("/auth/logout")
    assert client.get("/auth/me").status_code == 401


def test_form_login_works_too(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.post("/auth/login", data={"tenant": "ALPHA", "username": "admin",
                                         "password": PASSWORD})
    assert r.status_code == 200
    assert client.get("/tenant").json()["code"] == "ALPHA"


def test_wrong_password_is_a_vague_401(client: TestClient, tenant_a: TenantFixture) -> None:
    for body in ({"tenant": "ALPHA", "username": "staff", "password": "wrong-password"},
                 {"tenant": "ALPHA", "username": "nobody", "password": PASSWORD},
                 {"tenant": "NOPE", "username": "staff", "password": PASSWORD}):
        r = client.post("/auth/login", json=body)
        assert r.status_code == 401
        assert r.json()["error"] == "login_failed"


def test_forged_or_foreign_session_cookie_is_ignored(client: TestClient,
                                                     tenant_a: TenantFixture) -> None:
    client.cookies.set("reshare_session", "forged.value.here")
    assert client.get("/auth/me").status_code == 401


def test_api_tokens(client: TestClient, platform: Platform, tenant_a: TenantFixture) -> None:
    r = client.post("/auth/tokens", data={"name": "script"}, headers=tenant_a.headers("staff"))
    token = r.json()["token"]
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/auth/me", headers={"Authorization": "Bearer rs_nonsense"}) \
        .status_code == 401
    assert client.get("/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401
    service.revoke_tokens(platform.db, tenant_a.id, "staff")
    r = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"


def test_disabled_tenant_cannot_log_in_or_use_tokens(client: TestClient, platform: Platform,
                                                     tenant_a: TenantFixture) -> None:
    service.set_tenant_status(platform.db, "ALPHA", TenantStatus.DISABLED)
    assert client.get("/auth/me", headers=tenant_a.headers()).status_code == 401
    r = client.post("/auth/login", json={"tenant": "ALPHA", "username": "admin",
                                         "password": PASSWORD})
    assert r.status_code == 401


def test_platform_admin_provisions_tenants(client: TestClient,
                                           admin_headers: dict[str, str]) -> None:
    r = client.post("/admin/tenants", json={"code": "njsoos", "name": "New School"},
                    headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "NJSOOS"
    assert client.post("/admin/tenants", json={"code": "NJSOOS", "name": "Again"},
                       headers=admin_headers).status_code == 409
    assert client.post("/admin/tenants", json={"code": "bad code", "name": "X"},
                       headers=admin_headers).status_code == 422
    r = client.post("/admin/tenants/NJSOOS/users",
                    json={"username": "boss", "password": "long-password", "role": "admin"},
                    headers=admin_headers)
    assert r.status_code == 201
    assert [t["code"] for t in client.get("/admin/tenants", headers=admin_headers).json()] \
        == ["NJSOOS"]
    login = client.post("/auth/login", json={"tenant": "NJSOOS", "username": "boss",
                                             "password": "long-password"})
    assert login.status_code == 200
    # seeded settings are there
    assert client.get("/settings/requests/default_loan_period").json()["value"] == "56"
    r = client.post("/admin/tenants/NJSOOS/disable", headers=admin_headers)
    assert r.json()["status"] == "disabled"
    assert client.get("/auth/me").status_code == 401
    assert client.post("/admin/tenants/NOPE/disable", headers=admin_headers).status_code == 404


def test_platform_token_cannot_act_as_a_library(client: TestClient,
                                                admin_headers: dict[str, str]) -> None:
    r = client.get("/settings", headers=admin_headers)
    assert r.status_code == 403 and r.json()["error"] == "tenant_required"


def test_library_admin_manages_users(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.post("/users", json={"username": "newbie", "password": "short"},
                    headers=tenant_a.headers())
    assert r.status_code == 422 and "at least 8" in r.json()["message"]
    r = client.post("/users", json={"username": "newbie", "password": "long-enough"},
                    headers=tenant_a.headers())
    assert r.status_code == 201
    assert client.post("/users", json={"username": "newbie", "password": "long-enough"},
                       headers=tenant_a.headers()).status_code == 409
    assert client.get("/users", headers=tenant_a.headers("staff")).status_code == 403
    names = [u["username"] for u in client.get("/users", headers=tenant_a.headers()).json()]
    assert names == ["admin", "newbie", "staff"]


def test_errors_have_one_shape(client: TestClient, tenant_a: TenantFixture) -> None:
    for r in (client.get("/nope"), client.get("/settings"),
              client.put("/settings/requests/request_id_prefix", content=b"{bad json",
                         headers={**tenant_a.headers(), "content-type": "application/json"})):
        body = r.json()
        assert set(body) == {"error", "message", "details"}, body


def test_a_token_checked_moments_ago_costs_no_query(platform: Platform,
                                                    tenant_a: TenantFixture) -> None:
    from sqlalchemy import event

    token = service.issue_token(platform.db, tenant_a.id, "staff", "cache")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    first = service.principal_for_token(platform.db, token)
    event.listen(platform.db.engine, "before_cursor_execute", count)
    try:
        again = service.principal_for_token(platform.db, token)
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", count)
    assert first is not None and again == first and statements == []


def test_another_process_revoking_is_seen_within_the_cache_period(
        client: TestClient, platform: Platform, tenant_a: TenantFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from reshare.db import Database

    monkeypatch.setattr(service, "PRINCIPAL_CACHE_SECONDS", 0.3)
    token = service.issue_token(platform.db, tenant_a.id, "staff", "cache")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/auth/me", headers=headers).status_code == 200
    other = Database(platform.db.url)  # another process: its change cannot reach our memory
    try:
        service.revoke_tokens(other, tenant_a.id, "staff")
    finally:
        other.dispose()
    time.sleep(0.4)
    assert client.get("/auth/me", headers=headers).status_code == 401
