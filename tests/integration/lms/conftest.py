"""An LMS simulator served over HTTP on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from reshare.lms.sim.app import create_sim_app, demo_library
from reshare.lms.sim.state import Library


@dataclass
class SimServer:
    library: Library
    base_url: str

    @property
    def ncip(self) -> str:
        return f"{self.base_url}/ncip"

    @property
    def sru(self) -> str:
        return f"{self.base_url}/sru"


@pytest.fixture
def sim_server() -> Iterator[SimServer]:
    library = demo_library("SIM")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_sim_app(library), log_level="warning", lifespan="off",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.02)
        assert server.started, "simulator did not start"
        yield SimServer(library, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()
