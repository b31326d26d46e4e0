"""Several dispatchers draining one PostgreSQL outbox at once never send a message twice, and
still keep each request's messages in order."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

import pytest

from reshare.db import Base, Database
from reshare.iso18626 import codec, outbox
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import RecordingHandler
from reshare.iso18626.store import OutboxMessage
from reshare.platform import Platform
from tests.integration.iso18626.support import loopback
from tests.support.databases import postgres_admin_url, postgres_database
from tests.support.factories import make_tenant
from tests.unit.iso18626 import builders

pytestmark = pytest.mark.postgres


class CountingPeer:
    """A peer that confirms OK and remembers every post (raw, before any dedupe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        message = codec.parse(body)
        assert isinstance(message, m.RequestingAgencyMessage)
        with self.lock:
            self.seen.append((message.header.requesting_agency_request_id, message.note))
        answer = codec.serialize(m.confirm(message))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/xml")]})
        await send({"type": "http.response.body", "body": answer})


def test_parallel_workers_never_send_twice(tmp_path: Any) -> None:
    if postgres_admin_url() is None:
        pytest.skip("RESHARE_TEST_POSTGRES_URL is not set")
    from reshare.config import AppSettings
    from reshare.platform import build_platform

    with postgres_database("reshare_test_outbox") as url:
        db = Database(url)
        Base.metadata.create_all(db.engine)
        platform: Platform = build_platform(AppSettings(
            database_url=url, var_dir=str(tmp_path), secret_key="s", admin_token="t",
            inprocess_worker=False), db=db)
        platform.extras["iso18626_handler"] = RecordingHandler()
        alpha = make_tenant(platform, "ALPHA")
        peer = CountingPeer()
        with loopback(peer) as base:
            with db.tenant(alpha.id) as session:
                for r in range(40):  # 40 requests × 4 messages each
                    for seq in range(4):
                        outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                                       peer_symbol="RESHARE:BETA",
                                       message=builders.ram(request_id=f"R{r}~1",
                                                            note=f"#seq:{seq}#"),
                                       request_ref=f"R{r}", peer_url=f"{base}/iso18626")
            errors: list[BaseException] = []

            def worker() -> None:
                try:
                    while outbox.drain(platform, limit=3):
                        pass
                except BaseException as exc:  # surfaced below
                    errors.append(exc)

            for _ in range(3):  # late-arriving work is picked up too
                threads = [threading.Thread(target=worker) for _ in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
            assert not errors
        with db.tenant(alpha.id) as session:
            statuses = Counter(r.status for r in session.query(OutboxMessage))
        transport = platform.extras.get("iso18626_transport")
        if transport is not None:
            transport.close()
        db.dispose()
    assert statuses == {"delivered": 160}
    counts = Counter(peer.seen)
    assert len(counts) == 160 and set(counts.values()) == {1}, "a message was sent twice"
    order: dict[str, list[str | None]] = defaultdict(list)
    for request_id, note in peer.seen:
        order[request_id].append(note)
    assert all(notes == [f"#seq:{i}#" for i in range(4)] for notes in order.values())
