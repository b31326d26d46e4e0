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
