"""Incoming ISO 18626 messages applied to requests (§9), and outcomes of outgoing ones.

``make_handler(platform)`` gives the ISO 18626 endpoint an object with ``handle`` (one incoming
message, inside the receiving tenant's transaction) and ``on_delivery`` (the final outcome of a
message we sent). A message that matches no transition is answered with an ERROR confirmation
and audited; it is never silently accepted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from reshare.db import ScopedSession
from reshare.platform import Platform
from reshare.requests import store
from reshare.requests.core import Ctx, audit, model_of, transition
from reshare.requests.messages import (
    AGREE_TAG,
    RAM,
    REQUEST,
    SAM,
    Envelope,
    decode_field_updates,
    decode_volumes,
    last_seq,
    split_protocol_id,
    strip_seq,
    strip_tags,
)
from reshare.requests.store import LoanCondition, PatronRequest, RequestMessage, Volume


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error_type: str = ""
    error_value: str = ""
    request_id: int | None = None

    @classmethod
    def error(cls, error_type: str, value: str) -> Outcome:
        return cls(False, error_type, value)


BAD_VALUE, BAD_FORM, UNSUPPORTED = ("UnrecognisedDataValue", "BadlyFormedMessage",
                                    "UnsupportedActionType")


def receive(platform: Platform, tenant_id: int, env: Envelope) -> Outcome:
    """Apply one message in its own transaction of the receiving tenant."""
    from reshare.requests import adapters

    adapters.warm(platform, tenant_id)
    with platform.db.tenant(tenant_id) as session:
        return handle_envelope(platform, session, tenant_id, env)


def handle_envelope(platform: Platform, session: ScopedSession, tenant_id: int,
                    env: Envelope) -> Outcome:
    ctx = Ctx(platform, session, tenant_id, actor=f"peer:{env.sender}")
    if env.kind == REQUEST:
        return _new_supplier_request(ctx, env)
    if env.kind == SAM:
        return _at_requester(ctx, env)
    if env.kind == RAM:
        return _at_supplier(ctx, env)
    return Outcome.error(BAD_FORM, f"unknown message kind {env.kind}")


# ------------------------------------------------------------------------------ new request


def _new_supplier_request(ctx: Ctx, env: Envelope) -> Outcome:
    from reshare.requests import service

    existing = store.find_by_peer(ctx.session, env.requesting_request_id,
                                  env.requesting_symbol)
    if existing is not None:
        return Outcome(False, BAD_FORM, "RequestIdAlreadyExists: "
                       f"{env.requesting_request_id}", existing.id)
    req = service.create_supplier_request(ctx, env)
    return Outcome(True, request_id=req.id)


# ------------------------------------------------------------------------------ at requester


def _sam_qualifier(env: Envelope) -> str | None:
    status = env.status or None
    if env.reason == "CancelResponse":
        return {"Y": "Cancelled", "N": "no"}.get(env.answer, "missing")
    if env.reason == "RenewResponse":
        return {"Y": "yes", "N": "no"}.get(env.answer, "missing")
    if env.loan_condition and status not in ("Loaned", "CopyCompleted"):
        return "Conditional"
    if env.reason == "Notification":
        return "UnfilledContinue" if status == "Unfilled" else None
    if status == "Unfilled" and env.reason_unfilled == "transfer":
        return "UnfilledTransfer"
    return status


def _at_requester(ctx: Ctx, env: Envelope) -> Outcome:
    hrid, position = split_protocol_id(env.requesting_request_id)
    req = store.find_requester_request(ctx.session, hrid)
    if req is None:
        return Outcome.error(BAD_VALUE, f"UnableToFindRequest: {env.requesting_request_id}")
    if position is not None and position != req.rota_position or (
            position is None and env.supplying_symbol.upper() != req.supplying_symbol):
        if env.reason == "Notification":  # a note from an earlier lender: keep it as chat
            _record_inbound(ctx, req, env)
            audit(ctx, req, env.trigger, message=f"note from earlier lender {env.sender}")
            return Outcome(True, request_id=req.id)
        return Outcome.error(BAD_VALUE, f"NoActiveRequest: {env.requesting_request_id} is not "
                             f"the current supplier of {hrid}")
    qualifier = _sam_qualifier(env)
    if env.reason == "Notification" and not model_of(req).find(req.state, env.trigger,
                                                               qualifier):
        qualifier = None  # the status of a Notification is informative only
    probe = _probe(ctx, req, env)
    if probe is not None:
        return probe
    if model_of(req).find(req.state, env.trigger, qualifier) is None:
        return _reject(ctx, req, env, qualifier)
    _record_inbound(ctx, req, env)
    _apply_sam_data(ctx, req, env)
    if env.supplying_request_id:
        req.peer_request_id = env.supplying_request_id
    transition(ctx, req, env.trigger, qualifier, message=strip_seq(env.note)[0],
               data={"status": env.status, "reason": env.reason})
    return Outcome(True, request_id=req.id)


def _apply_sam_data(ctx: Ctx, req: PatronRequest, env: Envelope) -> None:
    if env.due_date:
        req.due_date = dt.datetime.fromisoformat(env.due_date.replace("Z", "+00:00"))
    if env.reason == "RenewResponse" and env.answer == "Y":
        req.renewals += 1
    if env.status == "Recalled":
        req.recalled = True
    cost = _decimal(env.delivery_cost)
    if cost is not None:
        if req.cost is not None and req.cost != cost:
            audit(ctx, req, "costChanged", message=f"supplier charged {cost}, expected {req.cost}")
        req.cost, req.cost_currency = cost, env.delivery_currency
    if env.loan_condition:
        offered = _decimal(env.offered_cost)
        ctx.session.add(LoanCondition(
            request_id=req.id, code=env.loan_condition, note=strip_tags(strip_seq(env.note)[0]),
            cost=offered, currency=env.offered_currency, supplier_symbol=req.supplying_symbol,
            accepted=None if env.status in ("Loaned", "CopyCompleted") else False))
    if env.status in ("Loaned", "CopyCompleted") and env.item_id:
        if env.sent_via.upper() == "URL":
            req.pickup_url = env.item_id
        elif not store.volumes(ctx.session, req.id):
            _add_volumes(ctx, req, env.item_id)


def _add_volumes(ctx: Ctx, req: PatronRequest, item_id: str) -> None:
    decoded = decode_volumes(item_id)
    use_barcode = ctx.setting("ncip_use_barcode_for_accept_item", "no") == "yes"
    for name, call, item in decoded:
        if use_barcode:
            temporary = item
        elif len(decoded) == 1:
            temporary = req.hrid
        else:
            temporary = f"{req.hrid}-{item[-4:]}"
        ctx.session.add(Volume(request_id=req.id, name=name, item_id=item, call_number=call,
                               temporary_barcode=temporary,
                               status="awaiting_temporary_item_creation"))


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except InvalidOperation:
        return None


# ------------------------------------------------------------------------------ at supplier


def _at_supplier(ctx: Ctx, env: Envelope) -> Outcome:
    req = store.find_by_peer(ctx.session, env.requesting_request_id, env.requesting_symbol,
                             lock=True)
    if req is None:
        return Outcome.error(BAD_VALUE, f"UnableToFindRequest: {env.requesting_request_id}")
    probe = _probe(ctx, req, env)
    if probe is not None:
        return probe
    qualifier = _ram_qualifier(ctx, req, env)
    if qualifier == "unsupported":
        return _reject(ctx, req, env, None)
    _record_inbound(ctx, req, env)
    if env.action == "Notification" and qualifier is None:
        _apply_field_updates(ctx, req, env)
    if env.action == "Notification" and qualifier == "conditionsAgreed":
        from reshare.requests.supplier import accept_conditions

        accept_conditions(ctx, req)
    transition(ctx, req, env.trigger, qualifier, message=strip_tags(strip_seq(env.note)[0]))
    _reply_after(ctx, req, env, qualifier)
    return Outcome(True, request_id=req.id)


def _ram_qualifier(ctx: Ctx, req: PatronRequest, env: Envelope) -> str | None:
    model = model_of(req)
    if env.action == "Notification" and env.note.startswith(AGREE_TAG) and model.find(
            req.state, env.trigger, "conditionsAgreed"):
        return "conditionsAgreed"
    for qualifier in (None, "shipped", "closed"):
        if model.find(req.state, env.trigger, qualifier):
            return qualifier
    return "unsupported"


def _reply_after(ctx: Ctx, req: PatronRequest, env: Envelope, qualifier: str | None) -> None:
    from reshare.requests import courier, supplier

    if env.action == "Cancel" and qualifier == "shipped":
        courier.send(ctx, req, supplier.sam(req, supplier.iso_status(req),
                                            reason="CancelResponse", answer="N",
                                            note="Cannot cancel: the item has already shipped"))
    elif env.action == "StatusRequest":
        courier.send(ctx, req, supplier.sam(req, supplier.iso_status(req),
                                            reason="StatusRequestResponse"))


def _apply_field_updates(ctx: Ctx, req: PatronRequest, env: Envelope) -> None:
    from reshare.requests.requester import apply_edits

    changes = decode_field_updates(env.note)
    if changes:
        apply_edits(req, changes)
        audit(ctx, req, "fieldsUpdated", message="requester edited: " + ", ".join(changes),
              data=changes)


# ------------------------------------------------------------------------------ shared


def _probe(ctx: Ctx, req: PatronRequest, env: Envelope) -> Outcome | None:
    """Sequence bookkeeping and the #lastSeq probe (§9.5)."""
    asked = last_seq(env.note)
    if asked is not None and not env.status and env.action in ("", "StatusRequest"):
        if req.last_seq_received == 0:
            return Outcome.error(BAD_VALUE, "NoPreviousMessage")
        if asked != req.last_seq_received:
            return Outcome.error(BAD_VALUE, f"SequenceDifferent: {req.last_seq_received}")
        return Outcome(True, "NoError", str(req.last_seq_received), req.id)
    _, seq = strip_seq(env.note)
    if seq is not None:
        req.last_seq_received = seq
    return None


def _reject(ctx: Ctx, req: PatronRequest, env: Envelope, qualifier: str | None) -> Outcome:
    what = f"{env.reason or env.action}" + (f" {qualifier}" if qualifier else "")
    text = f"{what} is not expected in state {req.state}"
    audit(ctx, req, env.trigger, qualifier=qualifier, message=f"rejected from {env.sender}: {text}",
          data={"status": env.status, "note": env.note})
    req.needs_attention = True
    return Outcome.error(UNSUPPORTED if qualifier is None and env.kind == RAM else BAD_VALUE, text)


def _record_inbound(ctx: Ctx, req: PatronRequest, env: Envelope) -> None:
    note = strip_tags(strip_seq(env.note)[0])
    if note or env.reason_unfilled or env.loan_condition:
        ctx.session.add(RequestMessage(
            request_id=req.id, outbound=False, peer_symbol=env.sender,
            kind=env.reason or env.action, status=env.status,
            reason=env.reason_unfilled or env.loan_condition or env.answer, note=note))


def delivered(platform: Platform, tenant_id: int, outbox_id: int, outcome: Outcome,
              env: Envelope | None = None, *, local: bool = False) -> None:
    """Record the final outcome of a message we sent; an ERROR or give-up needs attention."""
    with platform.db.tenant(tenant_id) as session:
        if local:
            row = session.get(store.LocalMessage, outbox_id)
            if row is not None:
                row.delivered = True
                row.result = "OK" if outcome.ok else (f"ERROR {outcome.error_type}: "
                                                      f"{outcome.error_value}")
        msg = session.scalars(store.select(RequestMessage).where(
            RequestMessage.outbox_id == outbox_id, RequestMessage.outbound.is_(True))).first()
        if msg is None:
            return
        msg.delivery = "OK" if outcome.ok else "ERROR"
        if outcome.ok:
            return
        req = store.get(session, msg.request_id)
        if req is not None:
            req.needs_attention = True
            ctx = Ctx(platform, session, tenant_id, actor=f"peer:{msg.peer_symbol}")
            audit(ctx, req, "deliveryFailed",
                  message=f"{msg.kind} to {msg.peer_symbol} failed: {outcome.error_type} "
                  f"{outcome.error_value}".strip())


def make_handler(platform: Platform) -> Any:
    """The object the ISO 18626 endpoint calls (see ``reshare.requests.handler``)."""
    from reshare.requests.handler import Iso18626Handler

    return Iso18626Handler(platform)
