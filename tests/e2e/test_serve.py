"""`make run`'s path: the demo command creates the database and serves within seconds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.servers import reshare_process

pytestmark = pytest.mark.e2e


def test_demo_serves_three_ready_libraries_and_prints_logins(tmp_path: Path) -> None:
    with reshare_process(["demo"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
        assert (tmp_path / "var" / "reshare.db").exists()
        log = server.log()
        assert server.url in log
        assert log.count("password reshare-demo") == 3
        assert log.count(f"{server.url}/openurl/NJSOOS?") == 3
        docs = httpx.get(f"{server.url}/openapi.json").json()
        assert "/settings/{section}/{key}" in docs["paths"]
        for code in ("NJSOOS", "BVCOL", "RIVU"):
            with httpx.Client(base_url=server.url, timeout=30) as staff:
                login = staff.post("/auth/login", json={"tenant": code, "username": "admin",
                                                        "password": "reshare-demo"})
                assert login.status_code == 200, login.text
                check = staff.get("/tenant/readiness").json()
                missing = [i for i in check["items"] if i["required"] and not i["ok"]]
                assert check["ready"] is True and missing == [], (code, missing)


def test_serve_upgrades_an_existing_database_and_restarts(tmp_path: Path) -> None:
    with reshare_process(["serve"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    with reshare_process(["serve"], tmp_path) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
