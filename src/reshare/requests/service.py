"""Use cases of the request engine, one transaction each: create, act, read, list, pull slips.

Public interface used by other capabilities (OpenURL, UI): ``create_request``,
``perform_action``, ``get_request``, ``list_requests``, ``bulk_action``,
``mark_pull_slips_printed``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reshare.errors import Conflict, NotFound, ValidationFailed
from reshare.platform import Platform
from reshare.requests import (  # noqa: F401 - importing registers actions and follow-ups
    adapters,
    automation,
    requester,
    store,
    supplier,
)
from reshare.requests.core import ACTIONS, BULK_ALLOWED, Ctx, apply_step, audit, model_of
from reshare.requests.engine import NoTransition, Trig
from reshare.requests.messages import Envelope, split_protocol_id, strip_seq
from reshare.requests.model import NewRequest, RequestView
from reshare.requests.statemodels import model_for
from reshare.requests.store import PatronRequest
from reshare.requests.views import list_requests, request_view

__all__ = ["NewRequest", "RequestView", "create_request", "perform_action", "get_request",
           "list_requests", "bulk_action", "mark_pull_slips_printed"]


def _hrid(ctx: Ctx, number: int | None = None) -> str:
    prefix = ctx.setting("request_id_prefix") or f"{_tenant_code(ctx)}-"
    if number is None:
        number = store.next_hrid_number(ctx.session)
    return f"{prefix}{number}"[:32]


def _tenant_code(ctx: Ctx) -> str:
    """The tenant's code (the default request number prefix), which never changes: read
    once per process."""
    from reshare.tenancy.store import Tenant

    codes: dict[int, str] = ctx.platform.extras.setdefault("requests.tenant_codes", {})
    if ctx.tenant_id not in codes:
        tenant = ctx.session.get(Tenant, ctx.tenant_id)
        if tenant is None:
            return "REQ"
        codes[ctx.tenant_id] = tenant.code
    return codes[ctx.tenant_id]


def create_request(platform: Platform, tenant_id: int, data: NewRequest, *,
                   actor: str) -> RequestView:
    """A new patron request (requester side); validation and sending run right away."""
    data.check()
    prefetch = _lookup_patron(platform, tenant_id, data.patron_id)
    number = store.take_hrid_number(platform.db, tenant_id)
    with platform.db.tenant(tenant_id) as session:
        ctx = Ctx(platform, session, tenant_id, actor, prefetch=prefetch)
        req = new_requester_row(ctx, data, number)
        audit(ctx, req, "created", message=f"request created by {actor}")
        requester.validate(ctx, req)
        return request_view(session, req)


def _lookup_patron(platform: Platform, tenant_id: int, patron_id: str) -> dict[Any, Any]:
    """Ask the LMS before the transaction: no network wait while holding the request's row."""
    adapters.warm(platform, tenant_id)
    return {("patron", patron_id): adapters.cached_lms(platform, tenant_id).lookup_patron(
        patron_id)}


_PATRON_ACTIONS = ("borrowerCheck", "requesterRetryValidation")


def _prefetch(platform: Platform, tenant_id: int, request_id: int, action: str,
              params: dict[str, Any]) -> dict[Any, Any]:
    adapters.warm(platform, tenant_id)
    if action not in _PATRON_ACTIONS:
        return {}
    with platform.db.tenant(tenant_id) as session:
        req = store.get(session, request_id)
        patron = str(params.get("patron_id") or (req.patron_id if req else ""))
    return _lookup_patron(platform, tenant_id, patron)


def new_requester_row(ctx: Ctx, data: NewRequest, number: int | None = None) -> PatronRequest:
    """The new request's row; ``number`` is its HRID number when taken already."""
    model = model_for(is_requester=True, service_type=data.service_type,
                      delivery_method=data.delivery_method)
    req = PatronRequest(hrid=_hrid(ctx, number), is_requester=True, state_model=model.name,
                        state=model.initial, previous_states={}, needs_attention=False,
                        **data.columns())
    req.requesting_symbol = (data.requesting_symbol or "").upper()
    ctx.session.add(req)
    ctx.session.flush()
    requester.new_request(ctx, req)
    return req


def copy_for_rerequest(ctx: Ctx, old: PatronRequest, params: dict[str, Any]) -> PatronRequest:
    data = NewRequest.from_request(old, params)
    fresh = new_requester_row(ctx, data)
    fresh.preceded_by_id = old.id
    fresh.extra = {"preceded_by_hrid": old.hrid}
    audit(ctx, fresh, "created", message=f"re-request of {old.hrid}")
    requester.validate(ctx, fresh)
    return fresh


def create_supplier_request(ctx: Ctx, env: Envelope) -> PatronRequest:
    """The supplier's copy of an incoming ISO Request, then the auto-responder."""
    fields = env.request
    model = model_for(is_requester=False, service_type=fields.get("service_type", "Loan"),
                      delivery_method=fields.get("delivery_method", ""))
    hrid, _ = split_protocol_id(env.requesting_request_id)
    note, seq = strip_seq(env.note)
    data = NewRequest.from_wire(fields, note)
    req = PatronRequest(hrid=hrid, is_requester=False, state_model=model.name,
                        state=model.initial, previous_states={},
                        peer_request_id=env.requesting_request_id,
                        requesting_symbol=env.requesting_symbol.upper(),
                        supplying_symbol=env.supplying_symbol.upper(),
                        last_seq_received=seq or 0, **data.columns())
    req.supplier_unique_record_id = str(fields.get("supplier_unique_record_id", "") or "")
    ctx.session.add(req)
    ctx.session.flush()
    audit(ctx, req, "ISO18626Request", to_state=req.state,
          message=f"new request from {req.requesting_symbol}")
    from reshare.requests.core import queue_notice

    queue_notice(ctx, "new_supply_request", req)
    if ctx.setting("auto_responder_status", "off") != "off":
        platform, tenant_id, request_id = ctx.platform, ctx.tenant_id, req.id
        ctx.session.after_commit(lambda: automation.auto_respond_later(platform, tenant_id,
                                                                     request_id))
    return req


def _load(ctx: Ctx, request_id: int) -> PatronRequest:
    req = store.get(ctx.session, request_id, lock=True)
    if req is None:
        raise NotFound(f"request {request_id} not found", code="request_not_found")
    return req


def run_action(ctx: Ctx, req: PatronRequest, name: str, params: dict[str, Any]) -> None:
    """Check the action is valid now, run its side effects, apply the transition."""
    model = model_of(req)
    if name == "manualClose":
        _manual_close(ctx, req, params)
        return
    if name in model.always_valid:
        _always(ctx, req, name, params)
        return
    rows = model.rows(req.state, name)
    handler = ACTIONS.get(name)
    if not rows or rows[0].kind != Trig.MANUAL or handler is None:
        valid = ", ".join(model.valid_actions(req.state))
        raise Conflict(f"{name} is not possible while the request is {req.state}; "
                       f"possible now: {valid}", code="action_not_valid",
                       details={"state": req.state, "valid_actions": model.valid_actions(
                           req.state)})
    qualifier = handler(ctx, req, params)
    try:
        step = model.step(req.state, req.previous_states or {}, name, qualifier)
    except NoTransition as exc:
        raise Conflict(str(exc), code="action_not_valid") from exc
    apply_step(ctx, req, step, message=str(params.get("note", "") or ""),
               data={k: v for k, v in params.items() if k != "note"})


def _always(ctx: Ctx, req: PatronRequest, name: str, params: dict[str, Any]) -> None:
    from reshare.requests import courier

    if name == "localNote":
        req.local_note = str(params.get("localNote", params.get("note", "")) or "")
    elif name == "message":
        note = str(params.get("note", "") or "").strip()
        if not note:
            raise ValidationFailed("write the message in 'note'")
        if not (req.supplying_symbol and req.requesting_symbol):
            raise Conflict("there is no partner library to message yet")
        env = (requester.ram(req, "Notification", note) if req.is_requester
               else supplier.sam(req, supplier.iso_status(req), reason="Notification",
                                 note=note))
        courier.send(ctx, req, env)
    elif name == "edit":
        requester.edit(ctx, req, params)
    audit(ctx, req, name, message=str(params.get("note", "") or ""),
          data={k: str(v) for k, v in params.items()})


def _manual_close(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> None:
    """Close a request and tell the peer with a real ISO status, not just a note (§19.21)."""
    from reshare.requests import courier

    target = str(params.get("terminalState", "") or "")
    try:
        step = model_of(req).manual_close(req.state, req.previous_states or {}, target)
    except NoTransition as exc:
        raise Conflict(str(exc), code="action_not_valid") from exc
    note = f"The {'requester' if req.is_requester else 'responder'} has manually closed this request."
    stage = model_of(req).states[req.state].stage.value
    if req.supplying_symbol and req.requesting_symbol and stage.startswith("ACTIVE"):
        if req.is_requester:
            action_name = "Cancel" if stage == "ACTIVE" else "Notification"
            courier.send(ctx, req, requester.ram(req, action_name, note))
        else:
            courier.send(ctx, req, supplier.sam(req, supplier.status_for_state(target),
                                                note=note))
    apply_step(ctx, req, step, message=note)


def perform_action(platform: Platform, tenant_id: int, request_id: int, action: str,
                   params: dict[str, Any] | None = None, *, actor: str) -> RequestView:
    prefetch = _prefetch(platform, tenant_id, request_id, action, dict(params or {}))
    with platform.db.tenant(tenant_id) as session:
        ctx = Ctx(platform, session, tenant_id, actor, prefetch=prefetch)
        req = _load(ctx, request_id)
        run_action(ctx, req, action, dict(params or {}))
        session.flush()
        return request_view(session, req)


def get_request(platform: Platform, tenant_id: int, request_id: int) -> RequestView:
    with platform.db.reading(tenant_id) as session:
        req = store.get(session, request_id)
        if req is None:
            raise NotFound(f"request {request_id} not found", code="request_not_found")
        return request_view(session, req, full=True)


def bulk_action(platform: Platform, tenant_id: int, request_ids: list[int], action: str,
                params: dict[str, Any] | None = None, *, actor: str) -> dict[str, list[Any]]:
    """The same action on several requests; each in its own transaction."""
    if action not in BULK_ALLOWED:
        raise ValidationFailed(f"{action} cannot be done in bulk; bulk actions: "
                               f"{', '.join(sorted(BULK_ALLOWED))}")
    result: dict[str, list[Any]] = {"succeeded": [], "failed": []}
    for rid in request_ids:
        try:
            perform_action(platform, tenant_id, rid, action, params, actor=actor)
            result["succeeded"].append(rid)
        except (Conflict, NotFound, ValidationFailed) as exc:
            result["failed"].append({"id": rid, "error": exc.code, "message": exc.message})
    return result


def mark_pull_slips_printed(platform: Platform, tenant_id: int, request_ids: list[int], *,
                            actor: str) -> dict[str, list[int]]:
    """Run each request's pick-slip-printed action where it is valid now."""
    done: dict[str, list[int]] = {"successful": [], "notValid": []}
    adapters.warm(platform, tenant_id)
    for rid in request_ids:
        with platform.db.tenant(tenant_id) as session:
            ctx = Ctx(platform, session, tenant_id, actor)
            req = store.get(session, rid, lock=True)
            name = model_of(req).pick_slip_action if req else None
            if req is None or name is None or name not in model_of(req).valid_actions(req.state):
                done["notValid"].append(rid)
                continue
            run_action(ctx, req, name, {})
            done["successful"].append(rid)
    return done


def due_soon(now: dt.datetime, due: dt.datetime | None, days: int = 3) -> bool:
    return due is not None and now <= due <= now + dt.timedelta(days=days)
