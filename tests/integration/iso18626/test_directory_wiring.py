"""With the directory capability installed, incoming messages are routed by its symbols and
outgoing ones go to the peer's directory ISO 18626 service (with its AdditionalHeaders).
Skipped until the directory capability is present in this tree."""

from __future__ import annotations

import pytest

from reshare.iso18626 import outbox, routing
from reshare.iso18626.handlers import RecordingHandler
from reshare.iso18626.store import OutboxMessage
from reshare.iso18626.transport import HttpxTransport
from reshare.platform import Platform
from reshare.web.app import create_app
from tests.integration.iso18626.support import Faults, applied, loopback
from tests.support.factories import TenantFixture
from tests.unit.iso18626 import builders

editing = pytest.importorskip("reshare.directory.editing")


def _library(platform: Platform, tenant_id: int, code: str, url: str) -> None:
    with platform.db.tenant(tenant_id) as session:
        editing.create_entry(session, tenant_id, editing.EntryDraft(
            type="institution", name=f"{code} Library", slug=code.lower(),
            symbols=[f"RESHARE:{code}"], services={"ISO18626": url},
            properties={"AdditionalHeaders": "X-Peer-Key:secret-1"}))


def test_routing_and_addresses_come_from_the_directory(platform: Platform,
                                                       tenant_a: TenantFixture,
                                                       tenant_b: TenantFixture) -> None:
    platform.extras["iso18626_handler"] = RecordingHandler()
    faults = Faults(create_app(platform=platform, run_jobs=False))
    seen_headers: list[dict[str, str]] = []

    class HeaderSpy(HttpxTransport):
        def post(self, url: str, body: bytes, headers: dict[str, str],
                 timeout: float) -> tuple[int, bytes]:
            seen_headers.append(headers)
            return super().post(url, body, headers, timeout)

    with loopback(faults) as base:
        _library(platform, tenant_a.id, "ALPHA", f"{base}/iso18626")
        _library(platform, tenant_b.id, "BETA", f"{base}/iso18626")
        assert routing.tenant_for_symbol(platform, "reshare:beta") == tenant_b.id
        platform.extras["iso18626_transport"] = spy = HeaderSpy()
        with platform.db.tenant(tenant_a.id) as session:
            item = outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                                  peer_symbol="RESHARE:BETA", message=builders.ram(),
                                  request_ref="ALPHA-1")
        outbox.drain(platform)
        spy.close()
    with platform.db.tenant(tenant_a.id) as session:
        row = session.get(OutboxMessage, item)
        assert row is not None and row.status == "delivered"
    assert applied(platform, tenant_b.id) == 1
    assert seen_headers[0].get("X-Peer-Key") == "secret-1"
