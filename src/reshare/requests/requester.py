"""The requester (borrowing library) side: validation, rota, sending to the next lender, and
every requester action. Each handler checks first, then acts; it returns the result qualifier."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from reshare.errors import ValidationFailed
from reshare.requests import adapters, courier, rota
from reshare.requests.core import Ctx, action, model_of, on_enter, transition
from reshare.requests.messages import AGREE_TAG, RAM, REQUEST, Envelope, protocol_id
from reshare.requests.ports import ItemToAccept
from reshare.requests.statemodels import STATES
from reshare.requests.store import LoanCondition, PatronRequest, RotaEntry, volumes
from reshare.requests.store import rota as rota_rows

EDITABLE = ("title", "author", "subtitle", "isbn", "issn", "oclc_number", "edition", "volume",
            "issue", "pages", "publisher", "publication_date", "place_of_publication",
            "title_of_component", "author_of_component", "patron_note", "pickup_location",
            "system_instance_id", "needed_by", "copyright_type", "service_level", "patron_id",
            "local_note")
_LOCAL_ONLY = ("patron_id", "local_note")


# ------------------------------------------------------------------------------ validation


@on_enter("REQ_IDLE")
def validate(ctx: Ctx, req: PatronRequest) -> None:
    qualifier, message = check_new_request(ctx, req)
    transition(ctx, req, "newRequest", qualifier, message=message)


def check_new_request(ctx: Ctx, req: PatronRequest) -> tuple[str | None, str]:
    if not req.requesting_symbol:
        own = ctx.symbols("local_symbols") or adapters.symbols_of_tenant(ctx.session,
                                                                         ctx.tenant_id)
        if not own:
            return "noInstitutionSymbol", "no symbol for this library: set local_symbols"
        req.requesting_symbol = own[0].upper()
    qualifier, message = check_patron(ctx, req)
    if qualifier:
        return qualifier, message
    limit = ctx.setting_int("max_requests", 0)
    if limit >= 1 and _active_patron_requests(ctx, req) > limit:
        return "overLimit", f"patron {req.patron_id} has more than {limit} active requests"
    hours = ctx.setting_int("check_duplicate_time", 0)
    if hours > 0 and req.preceded_by_id is None and _has_duplicate(ctx, req, hours):
        return "duplicateReview", f"same title requested by this patron in the last {hours}h"
    if _needs_cluster(ctx) and not req.system_instance_id:
        return "blankFormReview", "Blank Request Form, needs review"
    return None, message


def check_patron(ctx: Ctx, req: PatronRequest) -> tuple[str | None, str]:
    result = ctx.prefetch.get(("patron", req.patron_id))
    if result is None:
        result = adapters.cached_lms(ctx.platform, ctx.tenant_id).lookup_patron(req.patron_id)
    if not result.ok:
        return "invalidPatron", f"patron {req.patron_id} not valid: {result.reason}"
    req.patron_name = req.patron_name or result.name
    req.patron_email = req.patron_email or result.email
    req.patron_type = req.patron_type or result.user_profile
    return None, ("Patron validated" + (f" ({result.reason})" if result.manual else ""))


def _active_patron_requests(ctx: Ctx, req: PatronRequest) -> int:
    states = [c for c, i in STATES.items() if "ACTIVE_PATRON" in i.tags]
    return ctx.session.scalar(select(func.count()).select_from(PatronRequest).where(
        PatronRequest.is_requester.is_(True), PatronRequest.patron_id == req.patron_id,
        PatronRequest.state.in_(states))) or 0


def _has_duplicate(ctx: Ctx, req: PatronRequest, hours: int) -> bool:
    since = ctx.now() - dt.timedelta(hours=hours)
    found = ctx.session.scalar(select(func.count()).select_from(PatronRequest).where(
        PatronRequest.is_requester.is_(True), PatronRequest.id != req.id,
        PatronRequest.patron_id == req.patron_id, PatronRequest.title == req.title,
        PatronRequest.created_at >= since))
    return bool(found)


def _needs_cluster(ctx: Ctx) -> bool:
    return (ctx.setting("routing_adapter", "foliosharedindex") == "foliosharedindex"
            and adapters.routing(ctx.platform, ctx.tenant_id) is not None)


# ------------------------------------------------------------------------------ rota


_ROTA_MEMO = "requests.rota"


def _rota(ctx: Ctx, req: PatronRequest) -> list[RotaEntry]:
    """The request's rota, read once per unit of work (only :func:`build_rota` adds to it,
    and it leaves the entries it made here)."""
    memo: dict[int, list[RotaEntry]] = ctx.session.info.setdefault(_ROTA_MEMO, {})
    if req.id not in memo:
        memo[req.id] = rota_rows(ctx.session, req.id)
    return memo[req.id]


def new_request(ctx: Ctx, req: PatronRequest) -> None:
    """A request created in this unit of work has no rota yet: no query for it (whose
    autoflush would also write the request's row once more before the commit)."""
    ctx.session.info.setdefault(_ROTA_MEMO, {})[req.id] = []


@on_enter("REQ_VALIDATED")
def build_rota(ctx: Ctx, req: PatronRequest) -> None:
    entries = _rota(ctx, req)
    if not entries:
        ranked, why_empty = rota.build(ctx, req)
        entries.extend(RotaEntry(request_id=req.id, position=position, symbol=c.symbol,
                                 instance_id=c.instance_id, score=c.score, reason=c.reason)
                       for position, c in enumerate(ranked))
        ctx.session.add_all(entries)
        if not ranked:
            transition(ctx, req, "buildRota", "endOfRota", message=why_empty or "no lenders")
            return
    transition(ctx, req, "buildRota", None, message=f"rota of {len(entries)} lenders")


@on_enter("REQ_SUPPLIER_IDENTIFIED", "REQ_UNFILLED")
def send_to_next_lender(ctx: Ctx, req: PatronRequest) -> None:
    entries = _rota(ctx, req)
    local = set(ctx.symbols("local_symbols"))
    position = req.rota_position + 1
    while position < len(entries):
        entry = entries[position]
        req.rota_position = position
        if entry.symbol in local:
            entry.state, req.supplying_symbol = "localReview", entry.symbol
            transition(ctx, req, "sendToNextLender", "localReview",
                       message=f"{entry.symbol} is one of our own symbols")
            return
        if not courier.uses_local(ctx.platform) and not ctx.setting(
                "iso18626_gateway_address") and adapters.resolve_symbol(
                ctx.session, entry.symbol) is None:
            entry.note = "Send not attempted: Unable to resolve symbol"
            position += 1
            continue
        entry.state = "sent"
        req.supplying_symbol = entry.symbol
        req.supplier_unique_record_id = entry.instance_id
        courier.send(ctx, req, request_envelope(ctx, req), chat=False)
        transition(ctx, req, "sendToNextLender", None, message=f"request sent to {entry.symbol}")
        return
    req.rota_position = len(entries)
    req.supplying_symbol = ""
    transition(ctx, req, "sendToNextLender", "endOfRota", message="no more lenders to try")


@on_enter("REQ_CANCELLED_WITH_SUPPLIER")
def cancelled_with_supplier(ctx: Ctx, req: PatronRequest) -> None:
    transition(ctx, req, "cancelledWithSupplier", "continue" if req.request_to_continue else None)


def request_envelope(ctx: Ctx, req: PatronRequest) -> Envelope:
    fields: dict[str, Any] = {k: getattr(req, k) for k in (
        "title", "author", "subtitle", "isbn", "issn", "oclc_number", "edition", "volume",
        "issue", "pages", "publisher", "publication_date", "place_of_publication",
        "publication_type", "title_of_component", "author_of_component", "system_instance_id",
        "supplier_unique_record_id", "service_type", "service_level", "copyright_type",
        "pickup_location", "pickup_url", "delivery_method", "start_page", "number_of_pages")}
    fields["note"] = req.patron_note
    fields["needed_by"] = req.needed_by.isoformat() if req.needed_by else ""
    if req.max_cost is not None and req.max_cost_currency:
        fields["max_cost"], fields["max_cost_currency"] = str(req.max_cost), req.max_cost_currency
    if ctx.setting("suppress_patron_info", "no") != "yes":
        fields.update(patron_id=req.patron_id, patron_name=req.patron_name,
                      patron_type=req.patron_type)
    if req.preceded_by_id is not None:
        fields["preceded_by"] = req.extra.get("preceded_by_hrid", "")
    return Envelope(REQUEST, req.requesting_symbol, req.supplying_symbol,
                    protocol_id(req.hrid, req.rota_position), note=req.patron_note,
                    request=fields)


def ram(req: PatronRequest, action_name: str, note: str = "") -> Envelope:
    return Envelope(RAM, req.requesting_symbol, req.supplying_symbol,
                    protocol_id(req.hrid, req.rota_position), action=action_name, note=note,
                    supplying_request_id=req.peer_request_id)


# ------------------------------------------------------------------------------ actions


@action("borrowerCheck", bulk=True)
def borrower_check(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    return check_patron(ctx, req)[0]


@action("requesterRetryValidation")
def retry_validation(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    apply_edits(req, params)
    return None


@action("requesterBypassValidation")
def bypass_validation(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    if not req.requesting_symbol:
        own = ctx.symbols("local_symbols")
        if not own:
            raise ValidationFailed("set local_symbols before sending requests")
        req.requesting_symbol = own[0]
    return None


def _has_supplier(req: PatronRequest) -> bool:
    return bool(req.supplying_symbol) and STATES[req.state].stage.value.startswith("ACTIVE")


@action("requesterCancel")
def cancel(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    req.cancellation_reason = str(params.get("reason", "") or "")
    if not _has_supplier(req):
        return "noSupplier"
    req.request_to_continue = False
    courier.send(ctx, req, ram(req, "Cancel", str(params.get("note", "") or "")))
    return None


@action("requesterRejectConditions", bulk=True)
def reject_conditions(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    req.request_to_continue = True
    courier.send(ctx, req, ram(req, "Cancel", str(params.get("note", "") or "")))
    return None


@action("requesterAgreeConditions", bulk=True)
def agree_conditions(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    for cond in ctx.session.scalars(select(LoanCondition).where(
            LoanCondition.request_id == req.id,
            LoanCondition.supplier_symbol == req.supplying_symbol)):
        cond.accepted = True
        if cond.cost is not None:
            req.cost, req.cost_currency = cond.cost, cond.currency
    note = f"{AGREE_TAG} {params.get('note', '') or ''}".strip()
    courier.send(ctx, req, ram(req, "Notification", note))
    return None


@action("requesterReceived", bulk=True)
def received(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    lms = adapters.cached_lms(ctx.platform, ctx.tenant_id)
    failures = []
    for vol in volumes(ctx.session, req.id):
        result = lms.accept_item(ItemToAccept(
            request_id=req.hrid, item_barcode=vol.temporary_barcode or req.hrid, title=req.title,
            author=req.author, isbn=req.isbn, call_number=vol.call_number,
            pickup_location=req.pickup_location, patron_id=req.patron_id))
        if not result.ok:
            failures.append(f"{vol.item_id}: {result.reason}")
        else:
            vol.status = ("temporary_item_creation_(no_integration)" if result.manual
                          else "temporary_item_created_in_host_lms")
    if failures:
        raise ValidationFailed("the LMS refused to accept the item: " + "; ".join(failures)
                               + ". Fix it in the LMS, then receive again.")
    courier.send(ctx, req, ram(req, "Received", str(params.get("note", "") or "")))
    return None


def _patron_returned(ctx: Ctx, req: PatronRequest) -> None:
    if ctx.setting("check_in_on_return", "off") != "on":
        return
    lms = adapters.cached_lms(ctx.platform, ctx.tenant_id)
    for vol in volumes(ctx.session, req.id):
        barcode = vol.temporary_barcode or req.hrid
        result = lms.check_in_item(request_id=req.hrid, item_barcode=barcode)
        if not result.ok:
            raise ValidationFailed(f"LMS check-in of {barcode} failed: {result.reason}")
        lms.delete_item(item_barcode=barcode)


@action("patronReturnedItem", bulk=True)
def patron_returned(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    _patron_returned(ctx, req)
    return None


@action("shippedReturn", bulk=True)
def shipped_return(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    courier.send(ctx, req, ram(req, "ShippedReturn", str(params.get("note", "") or "")))
    return None


@action("patronReturnedItemAndShippedReturn", bulk=True)
def returned_and_shipped(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    _patron_returned(ctx, req)
    return shipped_return(ctx, req, params)


@action("requesterRenew")
def renew(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    courier.send(ctx, req, ram(req, "Renew", str(params.get("note", "") or "")))
    return None


for _name in ("fillLocally", "cancelLocal", "localSupplierCannotSupply",
              "requesterMarkEndOfRotaReviewed"):
    action(_name)(lambda ctx, req, params: None)


@action("rerequest")
def rerequest(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    from reshare.requests import service

    fresh = service.copy_for_rerequest(ctx, req, params)
    req.succeeded_by_id = fresh.id
    return None


def apply_edits(req: PatronRequest, params: dict[str, Any]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for key, value in params.items():
        if key not in EDITABLE:
            continue
        if key == "needed_by":
            req.needed_by = dt.date.fromisoformat(value) if value else None
        else:
            setattr(req, key, str(value or ""))
        changes[key] = str(value or "")
    return changes


@action("edit")
def edit(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    unknown = [k for k in params if k not in EDITABLE]
    if unknown:
        raise ValidationFailed(f"these fields cannot be edited: {', '.join(unknown)}",
                               details={"editable": list(EDITABLE)})
    changes = apply_edits(req, params)
    shared = {k: v for k, v in changes.items() if k not in _LOCAL_ONLY}
    stage = STATES[req.state].stage.value
    if shared and stage in ("ACTIVE", "ACTIVE_PENDING_CONDITIONAL_ANSWER") and req.supplying_symbol:
        from reshare.requests.messages import encode_field_updates

        courier.send(ctx, req, ram(req, "Notification", encode_field_updates(shared)),
                     chat=False)
    return None


def valid_edit(req: PatronRequest) -> bool:
    return req.is_requester and "edit" in model_of(req).always_valid
