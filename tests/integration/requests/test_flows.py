"""Whole loan and copy flows between libraries of one installation (loopback courier)."""

from __future__ import annotations

import pytest

from reshare.errors import Conflict
from reshare.platform import Platform
from reshare.requests import service
from tests.integration.requests.helpers import Pair, ShelfAvailability, make_pair
from tests.support.factories import TenantFixture, make_tenant


@pytest.fixture
def pair(platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture) -> Pair:
    return make_pair(platform, tenant_a, [tenant_b])


def test_loan_happy_path_to_complete(pair: Pair) -> None:
    b = pair.sup_tenants[0]
    r = pair.create()
    assert r.hrid.startswith("RQ-")
    assert r.state == "REQ_EXPECTS_TO_SUPPLY"  # auto-responder found a copy
    s = pair.supplier_view(b, r.hrid)
    assert s is not None and s.state == "RES_NEW_AWAIT_PULL_SLIP"
    pair.act(b, s.id, "supplierPrintPullSlip")
    pair.act(b, s.id, "supplierCheckInToReshare", itemBarcodes=[{"itemId": "ITEM-9"}])
    s = pair.act(b, s.id, "supplierMarkShipped")
    assert s.state == "RES_ITEM_SHIPPED"
    r = pair.requester(r.id)
    assert r.state == "REQ_SHIPPED" and r.data["due_date"]
    assert [v["item_id"] for v in r.volumes] == ["ITEM-9"]
    assert pair.act(pair.req_tenant, r.id, "requesterReceived").state == "REQ_CHECKED_IN"
    pair.act(pair.req_tenant, r.id, "patronReturnedItem")
    r = pair.act(pair.req_tenant, r.id, "shippedReturn")
    assert r.state == "REQ_SHIPPED_TO_SUPPLIER"
    assert pair.supplier_view(b, r.hrid).state == "RES_ITEM_RETURNED"  # type: ignore[union-attr]
    pair.act(b, s.id, "supplierCheckOutOfReshare")
    assert pair.requester(r.id).state == "REQ_REQUEST_COMPLETE"
    audit = [(a["from_state"], a["to_state"]) for a in pair.requester(r.id).audit]
    assert ("REQ_SHIPPED_TO_SUPPLIER", "REQ_REQUEST_COMPLETE") in audit


def test_unfilled_goes_to_next_lender(platform: Platform, tenant_a: TenantFixture,
                                      tenant_b: TenantFixture) -> None:
    c = make_tenant(platform, "GAMMA", "Gamma")
    shelf = ShelfAvailability()
    pair = make_pair(platform, tenant_a, [tenant_b, c], availability=shelf)
    pair.configure_off = None
    from tests.integration.requests.helpers import configure

    configure(platform, c, auto_responder_status="off")
    shelf.missing = {"Rare"}
    r = pair.create("Rare")
    assert r.state == "REQ_REQUEST_SENT_TO_SUPPLIER"
    assert r.data["rota_position"] == 1 and r.data["supplying_symbol"] == "RESHARE:GAMMA"
    assert pair.supplier_view(tenant_b, r.hrid).state == "RES_UNFILLED"  # type: ignore[union-attr]
    s = pair.supplier_view(c, r.hrid)
    assert s is not None and s.state == "RES_IDLE"
    pair.act(c, s.id, "supplierCannotSupply", reason="missing")
    assert pair.requester(r.id).state == "REQ_END_OF_ROTA"


def test_invalid_action_is_409_and_changes_nothing(pair: Pair) -> None:
    r = pair.create()
    before = pair.requester(r.id)
    with pytest.raises(Conflict) as err:
        service.perform_action(pair.platform, pair.req_tenant.id, r.id, "requesterReceived",
                               {}, actor="staff")
    assert "requesterCancel" in err.value.message
    after = pair.requester(r.id)
    assert after.state == before.state and len(after.audit) == len(before.audit)


def test_cancel_before_shipping_is_accepted(pair: Pair) -> None:
    r = pair.create()
    r = pair.act(pair.req_tenant, r.id, "requesterCancel", reason="patron_requested")
    assert r.state == "REQ_CANCELLED"
    assert pair.supplier_view(pair.sup_tenants[0], r.hrid).state == "RES_CANCELLED"  # type: ignore[union-attr]


def test_conditions_agreed_and_rejected(platform: Platform, tenant_a: TenantFixture,
                                        tenant_b: TenantFixture) -> None:
    pair = make_pair(platform, tenant_a, [tenant_b])
    from tests.integration.requests.helpers import configure

    configure(platform, tenant_b, auto_responder_status="off")
    r = pair.create()
    s = pair.supplier_view(tenant_b, r.hrid)
    assert s is not None
    pair.act(tenant_b, s.id, "supplierConditionalSupply", loanCondition="LibraryUseOnly",
             cost="5.00", costCurrency="USD", note="reading room")
    assert pair.supplier_view(tenant_b, r.hrid).state == "RES_PENDING_CONDITIONAL_ANSWER"  # type: ignore[union-attr]
    r = pair.requester(r.id)
    assert r.state == "REQ_CONDITIONAL_ANSWER_RECEIVED"
    assert r.conditions[0]["code"] == "LibraryUseOnly"
    r = pair.act(tenant_a, r.id, "requesterAgreeConditions")
    assert r.state == "REQ_EXPECTS_TO_SUPPLY" and r.data["cost"] == "5.00"
    assert pair.supplier_view(tenant_b, r.hrid).state == "RES_NEW_AWAIT_PULL_SLIP"  # type: ignore[union-attr]
    r2 = pair.create("Second")
    s2 = pair.supplier_view(tenant_b, r2.hrid)
    pair.act(tenant_b, s2.id, "supplierConditionalSupply", loanCondition="NoReproduction")  # type: ignore[union-attr]
    r2 = pair.act(tenant_a, r2.id, "requesterRejectConditions")
    assert r2.state == "REQ_END_OF_ROTA"  # cancelled with the only supplier, no one left
    assert pair.supplier_view(tenant_b, r2.hrid).state == "RES_CANCELLED"  # type: ignore[union-attr]
