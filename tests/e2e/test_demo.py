"""The newcomer's network: `reshare demo traffic` drives loans through the whole stack (OpenURL
data, NCIP on each library's simulator, shared-index rota, ISO 18626 over HTTP) to completion,
and the printed OpenURLs create requests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port, reshare_process

pytestmark = pytest.mark.e2e


def test_demo_traffic_completes_every_loan(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "RESHARE_PORT": str(port),
           "RESHARE_BASE_URL": f"http://127.0.0.1:{port}",
           "RESHARE_VAR_DIR": str(tmp_path / "var"),
           "RESHARE_DATABASE_URL": f"sqlite:///{tmp_path}/var/reshare.db", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "reshare.cli", "demo", "traffic", "--requests",
                           "4", "--timeout", "240"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 of 4 loans complete" in done.stdout
    assert "0 stuck" in done.stdout


def test_printed_openurls_place_requests(tmp_path: Path) -> None:
    with reshare_process(["demo"], tmp_path) as server:
        urls = [line.strip() for line in server.log().splitlines()
                if line.strip().startswith(f"{server.url}/openurl/")]
        assert len(urls) == 3
        loan, copy, incomplete = urls
        for url in (loan, copy):
            answer = httpx.get(url, headers={"Accept": "application/json"}, timeout=120)
            assert answer.status_code == 201, answer.text
            assert answer.json()["hrid"].startswith("NJSOOS-")
            assert answer.json()["state"] not in {"REQ_INVALID_PATRON", "REQ_BLANK_FORM_REVIEW",
                                                  "REQ_END_OF_ROTA"}
        form = httpx.get(incomplete, headers={"Accept": "text/html"}, timeout=60)
        assert form.status_code == 200 and "<form" in form.text


def _two_free_ports() -> int:
    import socket

    for _ in range(50):
        first = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", first + 1))
            except OSError:
                continue
        return first
    raise RuntimeError("no two consecutive free ports")


def _staff(url: str, tenant: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    assert client.post("/auth/login", json={"tenant": tenant, "username": "admin",
                                            "password": "reshare-demo"}).status_code == 200
    return client


def test_two_installations_find_each_other_and_lend_over_http(tmp_path: Path) -> None:
    import time
    from urllib.parse import urlencode

    from reshare.demo import traffic
    from tests.support.servers import wait_healthy

    port = _two_free_ports()
    with reshare_process(["demo", "--installations", "2", "--port", str(port)], tmp_path,
                         port=port) as first:
        second = f"http://127.0.0.1:{port + 1}"
        wait_healthy(second, first.process, first.log_path)
        one, two = _staff(first.url, "NJSOOS"), _staff(second, "BVCOL")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # directory sync, both ways
            if (one.get("/directory/symbols/RESHARE:BVCOL").status_code == 200
                    and two.get("/directory/symbols/RESHARE:NJSOOS").status_code == 200):
                break
            time.sleep(1)
        peer = two.get("/directory/symbols/RESHARE:NJSOOS").json()
        assert peer["iso18626_url"] == f"{first.url}/iso18626", peer
        # BVCOL (installation 2) borrows a record it does not hold: the rota comes from
        # installation 1's index over OAI-PMH, the Request goes there as ISO 18626 over HTTP
        lib, rec = next((lib, rec) for lib, rec in traffic._wanted(12) if lib.code == "BVCOL")
        found = one.get("/sharedindex/search", params={"title": rec["title"]}).json()
        cluster = found["clusters"][0]["cluster_id"]
        query = {"url_ver": "Z39.88-2004", "rft_id": cluster, "rft.btitle": rec["title"],
                 "rft.au": rec["author"], "rft.genre": "book", "req_id": "p-alice",
                 "svc.pickupLocation": "bvcol-main"}
        made = httpx.get(f"{second}/openurl/BVCOL?{urlencode(query)}",
                         headers={"Accept": "application/json"}, timeout=120)
        assert made.status_code == 201, made.text
        hrid = made.json()["hrid"]
        deadline = time.monotonic() + 60
        lent: list[dict] = []
        while time.monotonic() < deadline and not lent:
            lent = [r for r in one.get("/requests", params={"role": "supplier"}).json()
                    if r["hrid"] == hrid]
            time.sleep(1)
        assert lent, f"{hrid} never reached installation 1"
        ours = two.get(f"/requests/{made.json()['id']}").json()
        assert ours["rota"][0]["symbol"] in {"RESHARE:NJSOOS", "RESHARE:RIVU"}
        one.close()
        two.close()


def test_a_killed_demo_does_not_leave_its_second_installation_running(tmp_path: Path) -> None:
    import signal
    import time

    from tests.support.servers import wait_healthy

    port = _two_free_ports()
    second = f"http://127.0.0.1:{port + 1}"
    with reshare_process(["demo", "--installations", "2", "--port", str(port)], tmp_path,
                         port=port) as first:
        wait_healthy(second, first.process, first.log_path)
        first.process.send_signal(signal.SIGKILL)  # no chance to stop its children
        first.process.wait(timeout=15)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{second}/healthz", timeout=2)
            except httpx.HTTPError:
                break  # the second installation has stopped
            time.sleep(0.5)
        else:
            raise AssertionError("the second installation outlived the demo that started it")
