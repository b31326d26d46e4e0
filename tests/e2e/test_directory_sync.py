"""Two installations — two server processes, two databases, free ports — sync each other's
directories over HTTP: symbols resolve across them, a symbol claimed on both sides is a
reported conflict, and an unreachable peer is reported without importing anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.databases import postgres_admin_url, postgres_database, sqlite_url

pytestmark = [pytest.mark.e2e]
ADMIN = "e2e-admin-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installation:
    url: str
    env: dict[str, str]

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {ADMIN}"},
                            timeout=30)

    def library(self, code: str) -> httpx.Client:
        """Provision a tenant with an admin user; a client carrying that admin's token."""
        with self.admin() as admin:
            admin.post("/admin/tenants", json={"code": code, "name": f"{code} Library"}) \
                .raise_for_status()
            admin.post(f"/admin/tenants/{code}/users", json={
                "username": "admin", "password": "long-enough-pw", "role": "admin"}
            ).raise_for_status()
        with httpx.Client(base_url=self.url, timeout=30) as web:
            web.post("/auth/login", json={"tenant": code, "username": "admin",
                                          "password": "long-enough-pw"}).raise_for_status()
            token = web.post("/auth/tokens", data={"name": "e2e"}).json()["token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"},
                            timeout=30)


@contextmanager
def installation(tmp: Path, database_url: str) -> Iterator[Installation]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "RESHARE_DATABASE_URL": database_url, "RESHARE_BASE_URL": url,
           "RESHARE_ADMIN_TOKEN": ADMIN, "RESHARE_VAR_DIR": str(tmp / "var"),
           "RESHARE_COOKIE_SECURE": "no", "RESHARE_INPROCESS_WORKER": "no",
           "RESHARE_LOG_LEVEL": "WARNING"}
    reshare = Path(sys.executable).with_name("reshare")
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(reshare), "serve", "--port", str(port)], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()}")
            time.sleep(0.2)
        yield Installation(url, env)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def two_installations(tmp_path: Path) -> Iterator[tuple[Installation, Installation]]:
    with ExitStack() as stack:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = stack.enter_context(installation(tmp_path / "a", sqlite_url(tmp_path / "a")))
        # the second installation runs on PostgreSQL when the test server is available
        second_url = stack.enter_context(postgres_database("reshare_e2e")) \
            if postgres_admin_url() else sqlite_url(tmp_path / "b")
        second = stack.enter_context(installation(tmp_path / "b", second_url))
        yield first, second


def _institution(lib: httpx.Client, slug: str, symbol: str, iso: str) -> None:
    lib.post("/directory/entries", json={
        "type": "institution", "name": f"{slug.title()} University", "slug": slug,
        "symbols": [symbol], "services": {"ISO18626": iso}}).raise_for_status()


def test_two_installations_sync_each_others_directories(
        two_installations: tuple[Installation, Installation]) -> None:
    one, two = two_installations
    closed_port = free_port()
    with one.library("ALPHA") as alpha, two.library("BETA") as beta, \
            one.admin() as admin_one, two.admin() as admin_two:
        _institution(alpha, "alpha", "RESHARE:ALPHA", f"{one.url}/iso18626")
        alpha.post("/directory/entries", json={"type": "branch", "name": "Alpha Main",
                                               "slug": "alpha-main", "parent": "alpha",
                                               "tags": ["pickup"]}).raise_for_status()
        _institution(beta, "beta", "RESHARE:BETA", f"{two.url}/iso18626")
        # a library on the second installation wrongly claims ALPHA's symbol too
        _institution(beta, "pretender", "ISIL:US-ALPHA", f"{two.url}/iso18626")
        alpha.post("/directory/entries/alpha/symbols",
                   json={"symbol": "isil:us-alpha"}).raise_for_status()

        admin_one.post("/directory/friends", json={"url": two.url}).raise_for_status()
        admin_one.post("/directory/friends",
                       json={"url": f"http://127.0.0.1:{closed_port}"}).raise_for_status()
        admin_two.post("/directory/friends", json={"url": one.url}).raise_for_status()

        reports = {r["url"]: r for r in admin_one.post("/directory/sync", json={}).json()}
        from_two = reports[f"{two.url}/directory/feed"]
        assert from_two["status"] == "conflicts" and from_two["created"] == 1
        assert [(c["entry"], c["symbol"]) for c in from_two["conflicts"]] == [
            ("pretender", "ISIL:US-ALPHA")]
        unreachable = reports[f"http://127.0.0.1:{closed_port}/directory/feed"]
        assert unreachable["status"] == "error" and "cannot reach" in unreachable["error"]

        [from_one] = admin_two.post("/directory/sync", json={}).json()
        assert from_one["status"] == "conflicts"
        assert [(c["entry"], c["symbol"]) for c in from_one["conflicts"]] == [
            ("alpha", "ISIL:US-ALPHA")]
        assert from_one["created"] == 1  # the branch; its parent stayed out
        assert any("alpha-main" in note for note in from_one["notes"])

        # each side now resolves the other's symbols to the other's ISO 18626 endpoint
        beta_seen = alpha.get("/directory/symbols/reshare:beta").json()
        assert beta_seen["iso18626_url"] == f"{two.url}/iso18626"
        assert beta_seen["managed"] is False and beta_seen["owner_tenant_id"] is None
        missing = alpha.get("/directory/symbols/RESHARE:NOPE")
        assert missing.status_code == 404 and "RESHARE:NOPE" in missing.json()["message"]
        assert "pretender" not in alpha.get("/directory/entries").text
        # ALPHA's managed entry was never overwritten; a reference entry cannot be edited
        assert alpha.get("/directory/entries/alpha").json()["status"] == "managed"
        assert alpha.patch("/directory/entries/beta", json={"name": "x"}).status_code == 409

        again = {r["url"]: r for r in admin_one.post("/directory/sync", json={}).json()}
        assert again[f"{two.url}/directory/feed"]["unchanged"] == 1

    cli = subprocess.run([str(Path(sys.executable).with_name("reshare")), "directory", "sync"],
                         env=one.env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1, cli.stdout + cli.stderr  # the unreachable peer
    assert "conflict: pretender: ISIL:US-ALPHA" in cli.stdout
    assert "cannot reach" in cli.stdout
