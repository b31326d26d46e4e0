"""Real processes: `reshare serve` dispatches the outbox in-process; a `reshare worker` killed
with SIGKILL while its message is in flight loses nothing and causes no double application;
`reshare peer-mock` plays a scenario against a node."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from reshare import capabilities, migrate
from reshare.config import AppSettings
from reshare.db import utcnow
from reshare.iso18626 import outbox
from reshare.iso18626.handlers import RecordingHandler
from reshare.iso18626.store import OutboxMessage
from reshare.platform import Platform, build_platform
from reshare.tenancy import service as tenancy
from reshare.web.app import create_app
from tests.integration.iso18626.support import Faults, applied, loopback, own_symbol
from tests.support.servers import free_port, reshare_process, wait_healthy
from tests.unit.iso18626 import builders

pytestmark = pytest.mark.e2e


def _env(workdir: Path) -> dict[str, str]:
    return {"RESHARE_DATABASE_URL": f"sqlite:///{workdir / 'var' / 'reshare.db'}",
            "RESHARE_VAR_DIR": str(workdir / "var"), "RESHARE_SECRET_KEY": "e2e",
            "RESHARE_ADMIN_TOKEN": "e2e-admin"}


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Platform, int, int]]:
    env = _env(tmp_path)
    settings = AppSettings(database_url=env["RESHARE_DATABASE_URL"], var_dir=env["RESHARE_VAR_DIR"],
                           secret_key="e2e", admin_token="e2e-admin", inprocess_worker=False)
    platform = build_platform(settings)
    capabilities.load_models()
    migrate.upgrade(platform.db.engine)
    alpha = tenancy.create_tenant(platform.db, "ALPHA", "Alpha").id
    beta = tenancy.create_tenant(platform.db, "BETA", "Beta").id
    own_symbol(platform, alpha, "RESHARE:ALPHA")
    own_symbol(platform, beta, "RESHARE:BETA")
    yield platform, alpha, beta
    transport = platform.extras.get("iso18626_transport")
    if hasattr(transport, "close"):
        transport.close()
    platform.close()


def _enqueue(platform: Platform, alpha: int, url: str, note: str = "#seq:1#") -> int:
    with platform.db.tenant(alpha) as session:
        return outbox.enqueue(session, sender_symbol="RESHARE:ALPHA", peer_symbol="RESHARE:BETA",
                              message=builders.ram(note=note), request_ref="ALPHA-1",
                              peer_url=url)


def _status(platform: Platform, alpha: int, item: int) -> str:
    with platform.db.tenant(alpha) as session:
        row = session.get(OutboxMessage, item)
        assert row is not None
        return row.status


def _wait(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def _peer(platform: Platform, plan: list[str] | None = None) -> Faults:
    """The receiving node, in this process: it records what it applies (the engine's
    handler is not under test here)."""
    platform.extras["iso18626_handler"] = RecordingHandler()
    return Faults(create_app(platform=platform, run_jobs=False), plan=plan or [])


def test_serve_dispatches_in_process(tmp_path: Path, node: tuple[Platform, int, int]) -> None:
    platform, alpha, beta = node
    with loopback(_peer(platform)) as base, reshare_process(
            ["serve", "--no-upgrade"], tmp_path,
            env={**_env(tmp_path), "RESHARE_INPROCESS_WORKER": "true"}):
        item = _enqueue(platform, alpha, f"{base}/iso18626")
        _wait(lambda: _status(platform, alpha, item) == "delivered")
    assert applied(platform, beta) == 1


def test_worker_killed_mid_send_loses_nothing(tmp_path: Path,
                                              node: tuple[Platform, int, int]) -> None:
    platform, alpha, beta = node
    faults = _peer(platform, ["slow-apply:2"])
    with loopback(faults) as base:
        item = _enqueue(platform, alpha, f"{base}/iso18626")
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "reshare.cli", "worker"],
                                  env={**os.environ, **_env(tmp_path)}, cwd=tmp_path,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait(lambda: faults.posts == 1)  # the message is on the wire
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
            log.close()
        _wait(lambda: applied(platform, beta) == 1)  # the peer applied it anyway
        assert _status(platform, alpha, item) == "sending"
        later = utcnow() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
        outbox.drain(platform, now=later)  # another dispatcher, after the lease ran out
        assert _status(platform, alpha, item) == "delivered"
    assert faults.posts == 2 and applied(platform, beta) == 1


def test_peer_mock_process_plays_a_scenario(tmp_path: Path,
                                            node: tuple[Platform, int, int]) -> None:
    platform, alpha, _ = node
    with loopback(_peer(platform)) as node_url:
        port = free_port()
        log_path = tmp_path / "mock.log"
        with log_path.open("wb") as log:
            mock = subprocess.Popen(
                [sys.executable, "-m", "reshare.cli", "peer-mock", "--port", str(port),
                 "--peer-url", f"{node_url}/iso18626", "--step-delay", "0.1"],
                env={**os.environ, **_env(tmp_path)}, cwd=tmp_path, stdout=log,
                stderr=subprocess.STDOUT)
        try:
            mock_url = f"http://127.0.0.1:{port}"
            wait_healthy(mock_url, mock, log_path)
            with platform.db.tenant(alpha) as session:
                item = outbox.enqueue(
                    session, sender_symbol="RESHARE:ALPHA", peer_symbol="RESHARE:MOCK",
                    message=builders.request("ALPHA-7~1", note="MOCK:will-supply-then-loaned",
                                             supplier="RESHARE:MOCK"),
                    request_ref="ALPHA-7", peer_url=f"{mock_url}/iso18626")
            outbox.drain(platform)
            assert _status(platform, alpha, item) == "delivered"
            _wait(lambda: applied(platform, alpha) == 2)
            sent = httpx.get(f"{mock_url}/mock/messages").json()["sent"]
            assert [s["summary"] for s in sent] == ["RequestResponse/WillSupply",
                                                    "StatusChange/Loaned"]
            assert all(s["http_status"] == 200 for s in sent)
        finally:
            mock.terminate()
            mock.wait(15)
