"""Incoming messages that match no transition get an ERROR, never a silent OK; requester checks."""

from __future__ import annotations

import pytest

from reshare.platform import Platform
from reshare.requests import protocol, service
from reshare.requests.messages import RAM, SAM, Envelope
from reshare.requests.model import NewRequest
from reshare.requests.ports import NullAvailability, PatronResult, RoutingResult
from tests.integration.requests.helpers import Pair, configure, drain, make_pair
from tests.support.factories import TenantFixture


@pytest.fixture
def pair(platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture) -> Pair:
    return make_pair(platform, tenant_a, [tenant_b])


def _sam(hrid: str, pos: int, **kw: str) -> Envelope:
    return Envelope(SAM, "RESHARE:ALPHA", "RESHARE:BETA", f"{hrid}~{pos}", **kw)


def test_unexpected_status_is_an_error_and_audited(pair: Pair) -> None:
    r = pair.create()  # REQ_EXPECTS_TO_SUPPLY
    before = pair.requester(r.id)
    out = protocol.receive(pair.platform, pair.req_tenant.id,
                           _sam(r.hrid, 0, reason="StatusChange", status="LoanCompleted"))
    assert not out.ok and out.error_type == "UnrecognisedDataValue"
    after = pair.requester(r.id)
    assert after.state == before.state and after.needs_attention
    assert "rejected" in after.audit[-1]["message"]


def test_message_from_an_earlier_rota_position_is_refused(pair: Pair) -> None:
    r = pair.create()
    out = protocol.receive(pair.platform, pair.req_tenant.id,
                           _sam(r.hrid, 5, reason="StatusChange", status="Loaned"))
    assert not out.ok and "NoActiveRequest" in out.error_value


def test_cancel_response_without_answer_is_an_error(pair: Pair) -> None:
    configure(pair.platform, pair.sup_tenants[0], auto_responder_cancel="off")
    r = pair.create()
    pair.act(pair.req_tenant, r.id, "requesterCancel")
    out = protocol.receive(pair.platform, pair.req_tenant.id,
                           _sam(r.hrid, 0, reason="CancelResponse", status="Cancelled"))
    assert not out.ok
    assert pair.requester(r.id).state == "REQ_CANCEL_PENDING"
    s = pair.supplier_view(pair.sup_tenants[0], r.hrid)
    assert s is not None and s.state == "RES_CANCEL_REQUEST_RECEIVED"
    pair.act(pair.sup_tenants[0], s.id, "supplierRespondToCancel", cancelResponse="no")
    assert pair.requester(r.id).state == "REQ_EXPECTS_TO_SUPPLY"  # restored
    assert pair.supplier_view(pair.sup_tenants[0], r.hrid).state == "RES_NEW_AWAIT_PULL_SLIP"  # type: ignore[union-attr]


def test_unsupported_action_at_supplier_and_duplicate_request(pair: Pair) -> None:
    r = pair.create()
    ram = Envelope(RAM, "RESHARE:ALPHA", "RESHARE:BETA", f"{r.hrid}~0", action="ShippedReturn")
    out = protocol.receive(pair.platform, pair.sup_tenants[0].id, ram)
    assert not out.ok and out.error_type == "UnsupportedActionType"
    from reshare.requests.requester import request_envelope  # noqa: F401

    dup = Envelope("request", "RESHARE:ALPHA", "RESHARE:BETA", f"{r.hrid}~0",
                   request={"title": "x"})
    out = protocol.receive(pair.platform, pair.sup_tenants[0].id, dup)
    assert not out.ok and "RequestIdAlreadyExists" in out.error_value


def test_last_seq_probe(pair: Pair) -> None:
    r = pair.create()
    s = pair.supplier_view(pair.sup_tenants[0], r.hrid)
    assert s is not None
    seq = s.data["last_seq_received"]
    probe = Envelope(RAM, "RESHARE:ALPHA", "RESHARE:BETA", f"{r.hrid}~0",
                     action="StatusRequest", note=f"#lastSeq:{seq}#")
    ok = protocol.receive(pair.platform, pair.sup_tenants[0].id, probe)
    assert ok.ok and ok.error_type == "NoError"
    probe.note = f"#lastSeq:{seq + 7}#"
    assert protocol.receive(pair.platform, pair.sup_tenants[0].id, probe).error_value.startswith(
        "SequenceDifferent")


def test_unknown_peer_symbol_marks_the_sent_message_failed(pair: Pair) -> None:
    configure(pair.platform, pair.req_tenant, static_routes="RESHARE:NOWHERE")
    r = pair.create()
    assert r.needs_attention
    assert r.messages[0]["delivery"] == "ERROR"
    assert r.audit[-1]["trigger"] == "deliveryFailed"


class _Lms:
    def lookup_patron(self, patron_id: str) -> PatronResult:
        if patron_id == "BLOCKED":
            return PatronResult(ok=False, patron_id=patron_id, reason="blocked")
        return PatronResult(ok=True, patron_id=patron_id, name="Ann", email="ann@example.org")


def test_requester_validation_outcomes(platform: Platform, tenant_a: TenantFixture,
                                       tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b], max_requests="2",
                     check_duplicate_time="24")
    platform.extras["requests.lms"] = _Lms()
    def new(title: str, patron: str) -> str:
        view = service.create_request(platform, tenant_a.id,
                                      NewRequest(title=title, patron_id=patron), actor="t")
        drain(platform)
        return service.get_request(platform, tenant_a.id, view.id).state
    assert new("T1", "BLOCKED") == "REQ_INVALID_PATRON"
    ok = service.list_requests(platform, tenant_a.id)  # nothing else yet
    assert len(ok) == 1
    assert new("T1", "P9") == "REQ_EXPECTS_TO_SUPPLY"
    assert new("T1", "P9") == "REQ_DUPLICATE_REVIEW"
    assert new("T3", "P9") == "REQ_OVER_LIMIT"
    first = service.list_requests(platform, tenant_a.id, patron="P9")[-1]
    assert first.data["patron_name"] == "Ann"


def test_no_symbol_and_blank_form(platform: Platform, tenant_a: TenantFixture,
                                  tenant_b: TenantFixture) -> None:
    pair = make_pair(platform, tenant_a, [tenant_b])
    configure(platform, tenant_a, local_symbols="")
    assert pair.create().state == "REQ_ERROR"

    class Router:
        def lenders_for(self, query: object) -> RoutingResult:
            return RoutingResult(reason="no match")

    configure(platform, tenant_a, local_symbols="RESHARE:ALPHA",
              routing_adapter="foliosharedindex")
    platform.extras["requests.routing"] = Router()
    r = pair.create()
    assert r.state == "REQ_BLANK_FORM_REVIEW"
    r = pair.act(tenant_a, r.id, "requesterBypassValidation")
    assert r.state == "REQ_END_OF_ROTA" and "no match" in r.audit[-1]["message"]


def test_auto_responder_without_catalogue_does_not_promise(platform: Platform,
                                                           tenant_a: TenantFixture,
                                                           tenant_b: TenantFixture) -> None:
    pair = make_pair(platform, tenant_a, [tenant_b], availability=NullAvailability())
    r = pair.create()
    assert r.state == "REQ_REQUEST_SENT_TO_SUPPLIER"
    s = pair.supplier_view(tenant_b, r.hrid)
    assert s is not None and s.state == "RES_IDLE" and s.needs_attention
    assert "no catalogue" in s.audit[-1]["message"]
