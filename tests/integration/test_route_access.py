"""Walks EVERY registered API route: declared access level, 401 without credentials, no
cross-tenant reach (404 or no leak), platform-admin routes closed to library users."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.web.deps import ACCESS_MARKERS
from tests.integration.access import all_cases
from tests.support.factories import TenantFixture

RANK = {"public": 0, "tenant": 1, "tenant_admin": 2, "platform_admin": 3}


def _markers(dependant: Any) -> set[str]:
    found = set()
    if dependant.call in ACCESS_MARKERS:
        found.add(ACCESS_MARKERS[dependant.call])
    for sub in dependant.dependencies:
        found |= _markers(sub)
    return found


def access_level(route: APIRoute) -> str:
    markers = _markers(route.dependant)
    if not markers:
        raise AssertionError(f"{route.path} declares no access level")
    if "public" in markers and len(markers) > 1:
        raise AssertionError(f"{route.path} is both public and protected")
    return max(markers, key=RANK.__getitem__)


def _flatten(routes: list[Any]) -> list[APIRoute]:
    flat: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            flat.append(route)
        elif hasattr(route, "original_router"):  # FastAPI >= 0.16x nests included routers
            flat.extend(_flatten(route.original_router.routes))
    return flat


def api_routes(client: TestClient) -> list[tuple[str, APIRoute]]:
    routes = []
    for route in _flatten(client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, route))
    assert routes, "no API routes found"
    return routes


def fill(path: str, params: dict[str, str] | None = None) -> str:
    params = params or {}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: params.get(m.group(1), "x1"), path)


def test_every_route_declares_one_access_level(client: TestClient) -> None:
    problems = []
    for method, route in api_routes(client):
        try:
            access_level(route)
        except AssertionError as exc:
            problems.append(f"{method} {exc}")
    assert not problems, problems


def test_protected_routes_refuse_anonymous_calls(client: TestClient) -> None:
    checked = 0
    for method, route in api_routes(client):
        if access_level(route) == "public":
            continue
        response = client.request(method, fill(route.path), json={})
        assert response.status_code == 401, (method, route.path, response.text)
        assert response.json()["error"] in {"not_authenticated"}
        checked += 1
    assert checked >= 5


def test_platform_admin_routes_refuse_library_users(
    client: TestClient, tenant_a: TenantFixture
) -> None:
    for method, route in api_routes(client):
        if access_level(route) != "platform_admin":
            continue
        response = client.request(method, fill(route.path), json={}, headers=tenant_a.headers())
        assert response.status_code == 403, (method, route.path, response.text)


def test_tenant_routes_cannot_reach_another_tenants_data(
    client: TestClient, platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture
) -> None:
    cases = all_cases()
    tenant_routes = [(m, r) for m, r in api_routes(client)
                     if access_level(r) in {"tenant", "tenant_admin"}]
    missing = [f"{m} {r.path}" for m, r in tenant_routes if (m, r.path) not in cases]
    assert not missing, f"tenant routes without an access case in tests/integration/access: {missing}"
    for method, route in tenant_routes:
        probe = cases[(method, route.path)].setup(platform, tenant_a)
        response = client.request(
            method, fill(route.path, probe.path_params), json=probe.json, params=probe.query,
            content=probe.content, headers={**tenant_b.headers(), **(probe.headers or {})},
        )
        where = f"{method} {route.path}"
        assert response.status_code != 500, (where, response.text)
        if probe.expect_status is not None:
            assert response.status_code == probe.expect_status, (where, response.text)
        if probe.marker:
            assert probe.marker not in response.text, (where, "leaked", probe.marker)
        if probe.verify:
            probe.verify()


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json"])
def test_public_routes_answer_anonymously(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
