"""`make run`'s path: the demo command creates the database and serves within seconds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.servers import reshare_process

pytestmark = pytest.mark.e2e


def test_demo_creates_database_serves_and_prints_login(tmp_path: Path) -> None:
    with reshare_process(["demo"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
        assert (tmp_path / "var" / "reshare.db").exists()
        log = server.log()
        assert server.url in log
        assert "Staff login" in log
        docs = httpx.get(f"{server.url}/openapi.json").json()
        assert "/settings/{section}/{key}" in docs["paths"]


def test_serve_upgrades_an_existing_database_and_restarts(tmp_path: Path) -> None:
    with reshare_process(["serve"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    with reshare_process(["serve"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
