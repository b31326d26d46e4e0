"""The default ISO 18626 transport (http.client) against a real HTTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reshare.iso18626.transport import HttpTransport, SendKind, send
from tests.support.servers import free_port


class Peer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    connections: list[int] = []
    bodies: list[bytes] = []
    drop_after_answer = False  # close without saying so, as an idle peer does
    delay = 0.0

    def setup(self) -> None:
        super().setup()
        Peer.connections.append(1)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Peer.bodies.append(body)
        time.sleep(Peer.delay)
        answer = b"<answer/>"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except BrokenPipeError:  # the client timed out and left
            self.close_connection = True
            return
        if Peer.drop_after_answer:
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def peer() -> Iterator[str]:
    Peer.connections, Peer.bodies = [], []
    Peer.drop_after_answer, Peer.delay = False, 0.0
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/iso18626"
    server.shutdown()
    server.server_close()


def test_posts_share_one_kept_connection(peer: str) -> None:
    transport = HttpTransport()
    answers = [transport.post(peer, f"<m{n}/>".encode(), {}, 5) for n in range(3)]
    transport.close()
    assert answers == [(200, b"<answer/>")] * 3
    assert Peer.bodies == [b"<m0/>", b"<m1/>", b"<m2/>"] and len(Peer.connections) == 1


def test_a_connection_the_peer_closed_is_replaced_and_the_post_sent_once(peer: str) -> None:
    Peer.drop_after_answer = True
    transport = HttpTransport()
    assert transport.post(peer, b"<first/>", {}, 5) == (200, b"<answer/>")
    time.sleep(0.2)  # the peer has closed its end by now
    assert transport.post(peer, b"<second/>", {}, 5) == (200, b"<answer/>")
    transport.close()
    assert Peer.bodies == [b"<first/>", b"<second/>"] and len(Peer.connections) == 2


def test_refused_and_slow_peers_are_classified() -> None:
    transport = HttpTransport()
    refused = send(transport, f"http://127.0.0.1:{free_port()}/iso18626", b"<m/>", timeout=2)
    assert refused.kind == SendKind.FAILURE and "ConnectError" in refused.error


def test_a_slow_answer_is_a_timeout(peer: str) -> None:
    Peer.delay = 1.5
    result = send(HttpTransport(), peer, b"<m/>", timeout=0.5)
    assert result.kind == SendKind.TIMEOUT and Peer.bodies == [b"<m/>"]
