"""Loopback HTTP servers (free ports) and fault injection for ISO 18626 tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from sqlalchemy import func, select

from reshare.iso18626.store import RecordedMessage
from reshare.platform import Platform
from reshare.settings import service as settings_service

Scope = dict[str, Any]


@contextmanager
def loopback(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<free port> in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("loopback server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Faults:
    """ASGI wrapper: the next posts get these faults, in order; then the app answers normally.

    down            answer 503, message not applied
    garbage         answer 200 with a body that is no confirmation, message not applied
    apply-garbage   apply the message, then answer garbage (the confirmation is lost)
    slow-apply:S    wait S seconds, then apply and answer (the sender has timed out by then)
    slow-drop:S     wait S seconds, then answer 503 without applying
    status:N        apply, and answer the app's confirmation with HTTP status N
    """

    app: Any
    plan: list[str] = field(default_factory=list)
    posts: int = 0
    bodies: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        with self.lock:
            self.posts += 1
            self.bodies.append(body)
            fault = self.plan.pop(0) if self.plan else ""

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        kind, _, arg = fault.partition(":")
        if kind in ("down", "garbage"):
            await _respond(send, 503 if kind == "down" else 200, b"<html>oops</html>")
        elif kind == "apply-garbage":
            await _swallow(self.app, scope, replay)
            await _respond(send, 200, b"not a confirmation")
        elif kind == "slow-apply":
            await asyncio.sleep(float(arg))
            await self.app(scope, replay, send)
        elif kind == "slow-drop":
            await asyncio.sleep(float(arg))
            await _respond(send, 503, b"")
        elif kind == "status":
            status, answer = await _swallow(self.app, scope, replay)
            await _respond(send, int(arg), answer)
        else:
            await self.app(scope, replay, send)


async def _respond(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/xml")]})
    await send({"type": "http.response.body", "body": body})


async def _swallow(app: Any, scope: Scope, receive: Any) -> tuple[int, bytes]:
    got: dict[str, Any] = {"status": 0, "body": b""}

    async def capture(event: dict[str, Any]) -> None:
        if event["type"] == "http.response.start":
            got["status"] = event["status"]
        elif event["type"] == "http.response.body":
            got["body"] += event.get("body", b"")

    await app(scope, receive, capture)
    return got["status"], got["body"]


def own_symbol(platform: Platform, tenant_id: int, symbol: str) -> None:
    with platform.db.tenant(tenant_id) as session:
        settings_service.set_value(session, "requests", "local_symbols", symbol)


def set_setting(platform: Platform, tenant_id: int, key: str, value: str) -> None:
    with platform.db.tenant(tenant_id) as session:
        settings_service.set_value(session, None, key, value)


def applied(platform: Platform, tenant_id: int, request_id: str | None = None) -> int:
    with platform.db.tenant(tenant_id) as session:
        query = select(func.count()).select_from(RecordedMessage)
        if request_id is not None:
            query = query.where(RecordedMessage.request_id == request_id)
        return int(session.scalar(query) or 0)
