"""The dispatcher's pump: every due message is sent once, each request's in order, and a
message that becomes due when its predecessor finishes goes out in the same run."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from reshare.iso18626 import outbox
from reshare.iso18626.handlers import RecordingHandler
from reshare.iso18626.store import OutboxMessage
from reshare.platform import Platform
from tests.integration.iso18626.support import loopback
from tests.integration.iso18626.test_outbox_workers import CountingPeer
from tests.support.factories import make_tenant
from tests.unit.iso18626 import builders


def _queue(platform: Platform, tenant_id: int, base: str, requests: int, each: int) -> None:
    with platform.db.tenant(tenant_id) as session:
        for r in range(requests):
            for seq in range(each):
                outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                               peer_symbol="RESHARE:BETA",
                               message=builders.ram(request_id=f"R{r}~1", note=f"#seq:{seq}#"),
                               request_ref=f"R{r}", peer_url=f"{base}/iso18626")


@pytest.mark.parametrize("with_wakes", [False, True])
def test_pump_sends_everything_once_and_in_order(platform: Platform,
                                                  with_wakes: bool) -> None:
    platform.extras["iso18626_handler"] = RecordingHandler()
    alpha = make_tenant(platform, "ALPHA")
    peer = CountingPeer()
    with loopback(peer) as base:
        _queue(platform, alpha.id, base, requests=5, each=3)
        # no wakes at all while it runs: the follow-up messages become due only as their
        # predecessors finish, and must still go out in this run
        sent = outbox.pump(platform, limit=20, wakes=(lambda: 0) if with_wakes else None)
        transport = platform.extras.get("iso18626_transport")
        if hasattr(transport, "close"):
            transport.close()
    assert sent == 15
    with platform.db.tenant(alpha.id) as session:
        assert Counter(r.status for r in session.query(OutboxMessage)) == {"delivered": 15}
    assert set(Counter(peer.seen).values()) == {1}
    order: dict[str, list[str | None]] = defaultdict(list)
    for request_id, note in peer.seen:
        order[request_id].append(note)
    assert all(notes == [f"#seq:{i}#" for i in range(3)] for notes in order.values())


def test_pump_returns_when_nothing_is_due(platform: Platform) -> None:
    assert outbox.pump(platform, limit=20, wakes=lambda: 0) == 0
