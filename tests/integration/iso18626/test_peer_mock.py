"""The mock peer against our node on loopback: each scenario plays out end to end."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from reshare.db import utcnow
from reshare.iso18626 import codec, outbox
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import RecordingHandler
from reshare.iso18626.peer_mock import MockPeer, create_mock_app, scenario_of
from reshare.iso18626.store import OutboxMessage, RecordedMessage
from reshare.platform import Platform
from reshare.web.app import create_app
from tests.integration.iso18626.support import loopback, own_symbol, set_setting
from tests.support.factories import TenantFixture
from tests.unit.iso18626 import builders


@dataclass
class Setup:
    platform: Platform
    tenant: TenantFixture
    mock: MockPeer
    mock_url: str

    def send(self, message: m.InitiatingMessage) -> int:
        with self.platform.db.tenant(self.tenant.id) as session:
            return outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                                  peer_symbol="RESHARE:MOCK", message=message,
                                  request_ref=message.header.requesting_agency_request_id,
                                  peer_url=self.mock_url)

    def status(self, item: int) -> str:
        with self.platform.db.tenant(self.tenant.id) as session:
            row = session.get(OutboxMessage, item)
            assert row is not None
            return row.status

    def recorded(self, count: int, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            with self.platform.db.tenant(self.tenant.id) as session:
                bodies = [r.body for r in session.scalars(
                    select(RecordedMessage).order_by(RecordedMessage.id))]
            if len(bodies) >= count or time.monotonic() > deadline:
                return [_summary(codec.parse(b.encode())) for b in bodies]
            time.sleep(0.05)


def _summary(message: m.Message) -> str:
    if isinstance(message, m.SupplyingAgencyMessage):
        return f"{message.message_info.reason_for_message}/{message.status_info.status}"
    if isinstance(message, m.RequestingAgencyMessage):
        return str(message.action)
    return message.ELEMENT


def _mock(platform: Platform, tenant: TenantFixture, role: str) -> Iterator[Setup]:
    own_symbol(platform, tenant.id, "RESHARE:ALPHA")
    platform.extras["iso18626_handler"] = RecordingHandler()
    with loopback(create_app(platform=platform, run_jobs=False)) as node:
        mock = MockPeer(role=role, peer_url=f"{node}/iso18626", step_delay=0.05,
                        slow_seconds=1.5)
        with loopback(create_mock_app(mock)) as mock_base:
            yield Setup(platform, tenant, mock, f"{mock_base}/iso18626")
    transport = platform.extras.get("iso18626_transport")
    if hasattr(transport, "close"):
        transport.close()


@pytest.fixture
def supplier(platform: Platform, tenant_a: TenantFixture) -> Iterator[Setup]:
    yield from _mock(platform, tenant_a, "supplier")


@pytest.fixture
def requester(platform: Platform, tenant_a: TenantFixture) -> Iterator[Setup]:
    yield from _mock(platform, tenant_a, "requester")


def _request(scenario: str, rid: str = "ALPHA-9~1") -> m.Request:
    return builders.request(rid, note=f"MOCK:RESHARE:MOCK:{scenario}#seq:0#",
                            supplier="RESHARE:MOCK")


@pytest.mark.parametrize("scenario, expected", [
    ("will-supply-then-loaned", ["RequestResponse/WillSupply", "StatusChange/Loaned"]),
    ("unfilled", ["RequestResponse/Unfilled"]),
    ("conditional", ["RequestResponse/ExpectToSupply"]),
    ("copy-completed", ["RequestResponse/CopyCompleted"]),
])
def test_supplier_scenarios(supplier: Setup, scenario: str, expected: list[str]) -> None:
    item = supplier.send(_request(scenario))
    outbox.drain(supplier.platform)
    assert supplier.status(item) == "delivered"
    assert supplier.recorded(len(expected)) == expected


def test_conditional_carries_reshare_loan_condition(supplier: Setup) -> None:
    supplier.send(_request("conditional"))
    outbox.drain(supplier.platform)
    supplier.recorded(1)
    with supplier.platform.db.tenant(supplier.tenant.id) as session:
        sam = codec.parse(session.scalars(select(RecordedMessage)).one().body.encode())
    assert isinstance(sam, m.SupplyingAgencyMessage) and sam.delivery_info is not None
    assert sam.delivery_info.loan_condition == m.SchemeValue("LibraryUseOnly")
    assert (sam.message_info.note or "").startswith("#ReShareAddLoanCondition#")


def test_error_scenario_rejected(supplier: Setup) -> None:
    item = supplier.send(_request("error"))
    outbox.drain(supplier.platform)
    assert supplier.status(item) == "rejected"


def test_down_scenario_retried_then_failed(supplier: Setup) -> None:
    item = supplier.send(_request("down"))
    t = utcnow()
    for i in range(3):
        outbox.drain(supplier.platform, now=t + i * dt.timedelta(minutes=11))
    assert supplier.status(item) == "failed"
    assert supplier.mock.received == []


def test_slow_scenario_probed_then_played(supplier: Setup) -> None:
    set_setting(supplier.platform, supplier.tenant.id, "network_timeout_period", "1")
    item = supplier.send(_request("slow"))
    t = utcnow()
    outbox.drain(supplier.platform, now=t)  # times out; the mock applies it later
    time.sleep(1.0)
    outbox.drain(supplier.platform, now=t + dt.timedelta(minutes=11))
    assert supplier.status(item) == "delivered"
    assert len(supplier.mock.received) == 1  # the probe is not applied, nothing resent
    assert supplier.recorded(2) == ["RequestResponse/WillSupply", "StatusChange/Loaned"]


def test_requester_role_answers_loaned(requester: Setup) -> None:
    sam = builders.sam(m.Status.LOANED, m.ReasonForMessage.STATUS_CHANGE, note="#seq:0#",
                       requester="RESHARE:MOCK", supplier="RESHARE:ALPHA")
    item = requester.send(sam)
    outbox.drain(requester.platform)
    assert requester.status(item) == "delivered"
    assert requester.recorded(2) == ["Received", "ShippedReturn"]


def test_mock_cancel_and_duplicate(supplier: Setup) -> None:
    ram = builders.ram(m.Action.CANCEL, note="#seq:1#", supplier="RESHARE:MOCK")
    data = codec.serialize(ram)
    assert supplier.mock.receive(data) == supplier.mock.receive(data)
    assert len(supplier.mock.received) == 1
    assert supplier.recorded(1) == ["CancelResponse/Cancelled"]


def test_scenario_selection() -> None:
    assert scenario_of(_request("conditional")) == "conditional"
    plain = builders.request(note=None)
    assert scenario_of(plain) == "unfilled"
    plain.bibliographic_info.supplier_unique_record_id = "will-supply"
    assert scenario_of(plain) == "will-supply"
