"""Beyond ReShare: renewal, recall, overdue on both sides, stale timer, refused late cancel,
copies by URL, manual close with a real ISO status, re-request, edits reaching the supplier."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from reshare.platform import Platform
from reshare.requests import service, timers
from reshare.requests.store import PatronRequest
from tests.integration.requests.helpers import Pair, configure, drain, make_pair
from tests.support.factories import TenantFixture


@pytest.fixture
def pair(platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture) -> Pair:
    return make_pair(platform, tenant_a, [tenant_b])


def _shipped(pair: Pair, title: str = "Dune") -> tuple[int, int]:
    b = pair.sup_tenants[0]
    r = pair.create(title)
    s = pair.supplier_view(b, r.hrid)
    assert s is not None
    pair.act(b, s.id, "supplierPrintPullSlip")
    pair.act(b, s.id, "supplierCheckInToReshareAndSupplierMarkShipped",
             itemBarcodes=[{"itemId": "V1", "name": "vol 1"}, {"itemId": "V2", "name": "vol 2"}])
    return r.id, s.id


def test_multi_volume_loan_and_renewal(pair: Pair) -> None:
    b = pair.sup_tenants[0]
    rid, sid = _shipped(pair)
    r = pair.requester(rid)
    assert r.state == "REQ_SHIPPED" and len(r.volumes) == 2
    assert {v["temporary_barcode"] for v in r.volumes} == {f"{r.hrid}-V1", f"{r.hrid}-V2"}
    pair.act(pair.req_tenant, rid, "requesterReceived")
    old_due = pair.requester(rid).data["due_date"]
    r = pair.act(pair.req_tenant, rid, "requesterRenew", note="one more week")
    assert r.state == "REQ_RENEW_PENDING"
    assert pair.supplier_view(b, r.hrid).state == "RES_RENEW_REQUESTED"  # type: ignore[union-attr]
    new_due = "2099-01-01T00:00:00+00:00"
    pair.act(b, sid, "supplierRespondToRenew", renewResponse="yes", dueDate=new_due)
    r = pair.requester(rid)
    assert r.state == "REQ_CHECKED_IN" and r.data["due_date"] == new_due != old_due
    assert r.data["renewals"] == 1
    r = pair.act(pair.req_tenant, rid, "requesterRenew")
    pair.act(b, sid, "supplierRespondToRenew", renewResponse="no", note="needed here")
    assert pair.requester(rid).state == "REQ_CHECKED_IN"
    assert pair.supplier_view(b, r.hrid).state == "RES_ITEM_SHIPPED"  # type: ignore[union-attr]


def test_recall(pair: Pair) -> None:
    rid, sid = _shipped(pair)
    pair.act(pair.req_tenant, rid, "requesterReceived")
    pair.act(pair.sup_tenants[0], sid, "supplierRecall", note="needed back")
    r = pair.requester(rid)
    assert r.state == "REQ_RECALLED" and r.data["recalled"] and r.needs_attention
    pair.act(pair.req_tenant, rid, "patronReturnedItemAndShippedReturn")
    assert pair.supplier_view(pair.sup_tenants[0], r.hrid).state == "RES_ITEM_RETURNED"  # type: ignore[union-attr]


def test_overdue_on_both_sides(pair: Pair, platform: Platform) -> None:
    rid, sid = _shipped(pair)
    rid2, _ = _shipped(pair, "Other")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with platform.db.tenant(pair.req_tenant.id) as s:
        s.execute(update(PatronRequest).where(PatronRequest.id == rid2).values(due_date=past))
    with platform.db.tenant(pair.sup_tenants[0].id) as s:
        s.execute(update(PatronRequest).where(PatronRequest.id == sid).values(due_date=past))
    assert timers.run_overdue(platform) == 2
    drain(platform)
    assert pair.supplier_view(pair.sup_tenants[0], pair.requester(rid).hrid).state == \
        "RES_OVERDUE"  # type: ignore[union-attr]
    assert pair.requester(rid).state == "REQ_OVERDUE"  # told by the supplier
    assert pair.requester(rid2).state == "REQ_OVERDUE"  # found by our own check
    assert timers.run_overdue(platform) == 0
    pair.act(pair.req_tenant, rid, "shippedReturn")
    pair.act(pair.sup_tenants[0], sid, "supplierCheckOutOfReshare")
    assert pair.requester(rid).state == "REQ_REQUEST_COMPLETE"


def test_stale_timer_handles_every_stale_request(pair: Pair, platform: Platform) -> None:
    b = pair.sup_tenants[0]
    configure(platform, b, auto_responder_status="off", stale_request_1_enabled="yes",
              stale_request_2_days="2", stale_request_3_exclude_weekend="no")
    views = [pair.create(t) for t in ("A", "B", "C")]
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    with platform.db.tenant(b.id) as s:
        s.execute(update(PatronRequest).values(created_at=old))
    fresh = pair.create("D")
    assert timers.run_stale(platform) == 3
    drain(platform)
    assert {pair.requester(v.id).state for v in views} == {"REQ_END_OF_ROTA"}
    assert pair.requester(fresh.id).state == "REQ_REQUEST_SENT_TO_SUPPLIER"


def test_cancel_after_shipping_is_refused_with_a_reason(pair: Pair) -> None:
    rid, _ = _shipped(pair)
    with pytest.raises(Exception) as err:
        service.perform_action(pair.platform, pair.req_tenant.id, rid, "requesterCancel", {},
                               actor="staff")
    assert "REQ_SHIPPED" in str(err.value)
    r2 = pair.create("Late")
    b = pair.sup_tenants[0]
    s2 = pair.supplier_view(b, r2.hrid)
    pair.act(b, s2.id, "supplierPrintPullSlip")  # type: ignore[union-attr]
    # the requester cancels while the supplier ships: both messages cross
    service.perform_action(pair.platform, pair.req_tenant.id, r2.id, "requesterCancel", {},
                           actor="staff")
    service.perform_action(pair.platform, b.id, s2.id,  # type: ignore[union-attr]
                           "supplierCheckInToReshareAndSupplierMarkShipped",
                           {"itemBarcodes": [{"itemId": "Z"}]}, actor="staff")
    drain(pair.platform)
    r2 = pair.requester(r2.id)
    assert r2.state == "REQ_SHIPPED"
    refusal = [m for m in r2.messages if not m["outbound"] and m["kind"] == "CancelResponse"]
    assert refusal and "already shipped" in refusal[0]["note"]


def test_copy_delivered_by_url(pair: Pair) -> None:
    b = pair.sup_tenants[0]
    r = pair.create("Article", service_type="Copy", title_of_component="Chapter 3")
    s = pair.supplier_view(b, r.hrid)
    assert s is not None and s.data["state_model"] == "NonreturnableResponder"
    pair.act(b, s.id, "supplierPrintPullSlip")
    pair.act(b, s.id, "supplierAddURLToDocument", url="https://files.example/doc.pdf")
    r = pair.requester(r.id)
    assert r.state == "REQ_DOCUMENT_DELIVERED"
    assert r.data["pickup_url"] == "https://files.example/doc.pdf"


def test_manual_close_tells_the_peer_with_a_status(pair: Pair) -> None:
    b = pair.sup_tenants[0]
    configure(pair.platform, b, auto_responder_status="off")
    r = pair.create()
    s = pair.supplier_view(b, r.hrid)
    pair.act(b, s.id, "manualClose", terminalState="RES_NOT_SUPPLIED")  # type: ignore[union-attr]
    assert pair.requester(r.id).state == "REQ_END_OF_ROTA"  # Unfilled, no other lender


def test_rerequest_and_edit(pair: Pair) -> None:
    b = pair.sup_tenants[0]
    configure(pair.platform, b, auto_responder_status="off")
    r = pair.create("Typo")
    pair.act(pair.req_tenant, r.id, "edit", title="Fixed title", local_note="private")
    s = pair.supplier_view(b, r.hrid)
    assert s is not None and s.data["title"] == "Fixed title" and s.data["local_note"] == ""
    pair.act(b, s.id, "supplierCannotSupply", reason="missing")
    r = pair.act(pair.req_tenant, r.id, "rerequest", title="Fixed title 2nd ed")
    assert r.state == "REQ_END_OF_ROTA_REVIEWED" and r.data["succeeded_by_id"]
    fresh = pair.requester(r.data["succeeded_by_id"])
    assert fresh.data["preceded_by_id"] == r.id and fresh.data["title"] == "Fixed title 2nd ed"
    assert fresh.state == "REQ_REQUEST_SENT_TO_SUPPLIER"


def test_notices_are_queued_when_the_notices_module_exists(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    queued: list[tuple[str, int]] = []
    fake = types.ModuleType("reshare.notices.service")
    fake.queue = lambda session, trigger, request_id: queued.append(  # type: ignore[attr-defined]
        (trigger, request_id))
    monkeypatch.setitem(sys.modules, "reshare.notices.service", fake)
    import reshare.notices

    monkeypatch.setattr(reshare.notices, "service", fake, raising=False)
    r = pair.create()
    assert ("new_request", r.id) in queued
    assert any(t == "new_supply_request" for t, _ in queued)
    pair.act(pair.req_tenant, r.id, "requesterCancel")
    assert ("request_cancelled", r.id) in queued


def test_due_soon_notice_once_per_due_date(pair: Pair, platform: Platform,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    queued: list[tuple[str, int, str | None]] = []
    fake = types.ModuleType("reshare.notices.service")
    fake.queue = lambda session, trigger, request_id, key=None: queued.append(  # type: ignore[attr-defined]
        (trigger, request_id, key))
    monkeypatch.setitem(sys.modules, "reshare.notices.service", fake)
    import reshare.notices

    monkeypatch.setattr(reshare.notices, "service", fake, raising=False)
    rid, _ = _shipped(pair)
    pair.act(pair.req_tenant, rid, "requesterReceived")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with platform.db.tenant(pair.req_tenant.id) as s:
        s.execute(update(PatronRequest).where(PatronRequest.id == rid).values(due_date=soon))
    timers.run_overdue(platform)
    timers.run_overdue(platform)
    due = [q for q in queued if q[0] == "due_soon"]
    assert len(due) == 1 and due[0][1] == rid and due[0][2].startswith(f"due_soon:{rid}:")  # type: ignore[union-attr]
