"""NCIP over real sockets: a hung LMS times out, a closed port fails, both as Problems."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from reshare.lms.adapter import NcipLms, Switches
from reshare.lms.ncip.client import NcipClient, http_transport
from reshare.lms.ncip.messages import Header
from reshare.lms.ncip.responses import TRANSPORT_FAILURE
from reshare.lms.profiles import profile_for

ALL_ON = Switches(True, True, True, True, True)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a hung LMS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/ncip"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_timeout_is_a_transport_problem(silent_server: str) -> None:
    client = NcipClient(silent_server, Header("A", "B"),
                        transport=http_transport(silent_server, timeout=0.3))
    response = client.check_in_item("B1")
    assert [p.type for p in response.problems] == [TRANSPORT_FAILURE]
    assert "timed out" in response.reason()
    lms = NcipLms(profile_for("default"), client, ALL_ON)
    patron = lms.lookup_patron("p1")
    assert not patron.ok and "timed out" in patron.reason


def test_connection_refused_is_a_transport_problem() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = NcipClient(f"http://127.0.0.1:{port}/", Header("A", "B"), timeout=2)
    response = client.delete_item("X")
    assert not response.ok and response.problems[0].type == TRANSPORT_FAILURE
