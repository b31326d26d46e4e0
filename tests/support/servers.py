"""Real server processes on loopback for end-to-end tests (free ports, always cleaned up)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path,
                 timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n"
                               f"{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not healthy after {timeout}s:\n"
                       f"{log_path.read_text(errors='replace')}")


@contextmanager
def reshare_process(args: list[str], workdir: Path, env: dict[str, str] | None = None,
                    port: int | None = None) -> Iterator[Server]:
    """Run ``reshare <args>`` (which must serve on ``port``) until the block ends."""
    port = port or free_port()
    full_env = {**os.environ, "RESHARE_PORT": str(port), "RESHARE_HOST": "127.0.0.1",
                "RESHARE_VAR_DIR": str(workdir / "var"),
                "RESHARE_DATABASE_URL": f"sqlite:///{workdir / 'var' / 'reshare.db'}",
                "RESHARE_BASE_URL": f"http://127.0.0.1:{port}",
                **(env or {})}
    log_path = workdir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reshare.cli", *args], cwd=workdir, env=full_env,
            stdout=log, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_healthy(server.url, process, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
