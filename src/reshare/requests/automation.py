"""Supplier automation: the loan auto-responder (from a real availability check, after the new
request commits) and the cancellation auto-responder."""

from __future__ import annotations

from typing import Any

from reshare.requests import adapters, rota
from reshare.requests.core import Ctx, on_enter, transition
from reshare.requests.ports import Availability
from reshare.requests.store import PatronRequest
from reshare.requests.supplier import cannot_supply, respond_to_cancel, respond_yes


def auto_respond_later(platform: Any, tenant_id: int, request_id: int) -> None:
    """After the new request is committed: check availability outside any transaction (it may
    call the catalogue), then answer in a transaction of its own if nobody answered meanwhile."""
    from reshare.requests import store

    adapters.warm(platform, tenant_id)
    with platform.db.tenant(tenant_id) as session:
        req = store.get(session, request_id)
        if req is None or req.state != "RES_IDLE":
            return
        query = rota.bib_query(req)
    found = adapters.cached_availability(platform, tenant_id).find_copy(query)
    with platform.db.tenant(tenant_id) as session:
        req = store.get(session, request_id, lock=True)
        if req is None or req.state != "RES_IDLE":
            return
        auto_respond(Ctx(platform, session, tenant_id, actor="system:auto-responder"), req,
                     found)


def auto_respond(ctx: Ctx, req: PatronRequest, found: Availability) -> None:
    """Answer a new lending request from a real availability check (§11.1).

    With no catalogue configured nothing is promised: the request waits for staff."""
    mode = ctx.setting("auto_responder_status", "off")
    if mode == "off":
        return
    if found.available and found.copy is not None:
        params = {"pickLocation": found.copy.location,
                  "pickShelvingLocation": found.copy.shelving_location,
                  "callnumber": found.copy.call_number}
        req.selected_item_barcode = found.copy.item_id
        respond_yes(ctx, req, params)
        transition(ctx, req, "respondYes", None,
                   message=f"auto-responder: copy found at {found.copy.location}")
        return
    if not found.checked:
        req.needs_attention = True
        from reshare.requests.core import audit

        audit(ctx, req, "autoResponder", message=f"auto-responder did not answer: {found.reason}")
        return
    if mode == "on:_will_supply_and_cannot_supply":
        cannot_supply(ctx, req, {"reason": "No copy", "note": found.reason})
        transition(ctx, req, "supplierCannotSupply", None,
                   message=f"auto-responder: {found.reason or 'no copy'}")


@on_enter("RES_CANCEL_REQUEST_RECEIVED")
def auto_cancel(ctx: Ctx, req: PatronRequest) -> None:
    if ctx.setting("auto_responder_cancel", "on") != "on":
        return
    qualifier = respond_to_cancel(ctx, req, {"cancelResponse": "yes"})
    transition(ctx, req, "supplierRespondToCancel", qualifier,
               message="cancellation auto-responder accepted the cancel")
