"""The supplier (lending library) side: every supplier action, the auto-responder and the
cancellation auto-responder. Handlers check first, then act, and return the result qualifier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from reshare.errors import ValidationFailed
from reshare.requests import adapters, courier
from reshare.requests.core import Ctx, action
from reshare.requests.messages import (
    ADD_CONDITION_TAG,
    ASSUMED_AGREED_TAG,
    AWAITING_CONFIRMATION_TAG,
    SAM,
    Envelope,
    encode_volumes,
)
from reshare.requests.store import LoanCondition, PatronRequest, add_volumes, volumes

CANNOT_SUPPLY_REASONS = ("unavailable", "missing", "incorrect", "other", "No copy")
LOAN_CONDITIONS = ("LibraryUseOnly", "NoReproduction", "SignatureRequired", "SpecCollSupervReq",
                   "WatchLibraryUseOnly", "Other")


def sam(req: PatronRequest, status: str, *, reason: str | None = None, note: str = "",
        **fields: Any) -> Envelope:
    """A supplying-agency message; RequestResponse the first time, StatusChange afterwards."""
    if reason is None:
        reason = "StatusChange" if req.sent_request_response else "RequestResponse"
    if reason == "RequestResponse":
        req.sent_request_response = True
    return Envelope(SAM, req.requesting_symbol, req.supplying_symbol, req.peer_request_id,
                    reason=reason, status=status, note=note, **fields)


def _note(params: dict[str, Any]) -> str:
    return str(params.get("note", "") or "")


def _cost(params: dict[str, Any]) -> Decimal | None:
    raw = params.get("cost")
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValidationFailed(f"cost {raw!r} is not a number") from exc


def _set_pick(req: PatronRequest, params: dict[str, Any]) -> None:
    req.pick_location = str(params.get("pickLocation", req.pick_location) or "")
    req.pick_shelving_location = str(params.get("pickShelvingLocation",
                                                req.pick_shelving_location) or "")
    req.local_call_number = str(params.get("callnumber", req.local_call_number) or "")


@action("respondYes")
def respond_yes(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    _set_pick(req, params)
    courier.send(ctx, req, sam(req, "WillSupply", note=_note(params)))
    return None


@action("supplierCannotSupply", bulk=True)
def cannot_supply(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    reason = str(params.get("reason", "") or "unavailable")
    courier.send(ctx, req, sam(req, "Unfilled", note=_note(params), reason_unfilled=reason))
    return None


def _condition(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> tuple[str, bool]:
    code = str(params.get("loanCondition", "") or "")
    if code not in LOAN_CONDITIONS:
        raise ValidationFailed(f"loanCondition must be one of {', '.join(LOAN_CONDITIONS)}")
    cost = _cost(params)
    currency = str(params.get("costCurrency", "") or "")
    holding = str(params.get("holdingState", "yes")).lower() in ("yes", "true", "1")
    ctx.session.add(LoanCondition(request_id=req.id, code=code, note=_note(params), cost=cost,
                                  currency=currency, supplier_symbol=req.supplying_symbol))
    if cost is not None:
        req.cost, req.cost_currency = cost, currency
    return code, holding


def _offered(params: dict[str, Any]) -> dict[str, str]:
    cost = _cost(params)
    if cost is None:
        return {}
    return {"offered_cost": str(cost), "offered_currency": str(params.get("costCurrency", ""))}


def _warn_holding(ctx: Ctx, req: PatronRequest, holding: bool) -> None:
    tag = AWAITING_CONFIRMATION_TAG if holding else ASSUMED_AGREED_TAG
    courier.send(ctx, req, sam(req, "ExpectToSupply", reason="Notification", note=tag))


@action("supplierConditionalSupply")
def conditional_supply(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    code, holding = _condition(ctx, req, params)
    _set_pick(req, params)
    courier.send(ctx, req, sam(req, "ExpectToSupply", note=_note(params), loan_condition=code,
                               **_offered(params)))
    _warn_holding(ctx, req, holding)
    return "holding" if holding else None


@action("supplierAddCondition")
def add_condition(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    code, holding = _condition(ctx, req, params)
    courier.send(ctx, req, sam(req, "ExpectToSupply", reason="Notification",
                               note=f"{ADD_CONDITION_TAG} {_note(params)}".strip(),
                               loan_condition=code, **_offered(params)))
    _warn_holding(ctx, req, holding)
    return "holding" if holding else None


@action("supplierMarkConditionsAgreed", bulk=True)
def mark_conditions_agreed(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    accept_conditions(ctx, req)
    return None


def accept_conditions(ctx: Ctx, req: PatronRequest) -> None:
    from sqlalchemy import select

    for cond in ctx.session.scalars(select(LoanCondition).where(
            LoanCondition.request_id == req.id)):
        cond.accepted = True


@action("supplierPrintPullSlip")
def print_pull_slip(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    req.pull_slip_printed_at = ctx.now()
    return None


def _barcodes(params: dict[str, Any]) -> list[dict[str, str]]:
    raw = params.get("itemBarcodes") or params.get("itemBarcode") or []
    if isinstance(raw, str):
        raw = [{"itemId": raw}]
    items = [{"itemId": str(i.get("itemId", "")).strip(), "name": str(i.get("name", "") or "")}
             for i in raw if isinstance(i, dict) and not i.get("_delete")]
    items = [i for i in items if i["itemId"]]
    if not items:
        raise ValidationFailed("give at least one item barcode: itemBarcodes=[{itemId: ...}]")
    return items


@action("supplierCheckInToReshare")
def fill(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    items = _barcodes(params)
    lms = adapters.cached_lms(ctx.platform, ctx.tenant_id)
    patron = (adapters.institutional_patron_id(ctx.session, req.requesting_symbol)
              or ctx.setting("default_institutional_patron_id"))
    due: dt.datetime | None = None
    rows: list[dict[str, Any]] = []
    for item in items:
        result = lms.check_out_item(request_id=req.hrid, item_barcode=item["itemId"],
                                    institutional_patron_id=patron)
        if not result.ok:
            raise ValidationFailed(f"LMS check-out of {item['itemId']} failed: {result.reason}")
        if result.due_date is not None and (due is None or result.due_date < due):
            due = result.due_date
        rows.append({"request_id": req.id, "name": item["name"], "item_id": item["itemId"],
                     "call_number": req.local_call_number or "",
                     "temporary_barcode": item["itemId"],
                     "status": "lms_check_out_(no_integration)" if result.manual
                     else "lms_check_out_complete"})
    add_volumes(ctx.session, rows)  # written now, without the request row's changes
    override = params.get("loanDateOverride")
    if due is None and override:
        due = dt.datetime.fromisoformat(str(override).replace("Z", "+00:00"))
    req.due_date = due or ctx.now() + dt.timedelta(days=ctx.setting_int("default_loan_period", 56))
    return None


@action("supplierMarkShipped", bulk=True)
def mark_shipped(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    vols = [(v.name, v.call_number, v.item_id) for v in volumes(ctx.session, req.id)]
    extra: dict[str, str] = {"item_id": encode_volumes(vols) if vols else ""}
    if req.cost is not None:
        extra.update(delivery_cost=str(req.cost), delivery_currency=req.cost_currency)
    courier.send(ctx, req, sam(req, "Loaned", note=_note(params), due_date=_due(req), **extra))
    return None


def _due(req: PatronRequest) -> str:
    return req.due_date.isoformat() if req.due_date else ""


@action("supplierCheckInToReshareAndSupplierMarkShipped")
def fill_and_ship(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    fill(ctx, req, params)
    return mark_shipped(ctx, req, params)


@action("supplierCheckOutOfReshare", bulk=True)
def check_out_of_reshare(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    lms = adapters.cached_lms(ctx.platform, ctx.tenant_id)
    for vol in volumes(ctx.session, req.id):
        result = lms.check_in_item(request_id=req.hrid, item_barcode=vol.item_id)
        if not result.ok:
            raise ValidationFailed(f"LMS check-in of {vol.item_id} failed: {result.reason}")
        vol.status = "completed"
    status = "CopyCompleted" if req.service_type.lower() == "copy" else "LoanCompleted"
    courier.send(ctx, req, sam(req, status, note=_note(params)))
    return None


@action("supplierRespondToCancel")
def respond_to_cancel(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    answer = str(params.get("cancelResponse", "") or "").lower()
    if answer not in ("yes", "no"):
        raise ValidationFailed("cancelResponse must be yes or no")
    if answer == "no":
        previous = (req.previous_states or {}).get(req.state, "RES_IDLE")
        courier.send(ctx, req, sam(req, status_for_state(previous), reason="CancelResponse",
                                   answer="N", note=_note(params)))
        return "no"
    lms = adapters.cached_lms(ctx.platform, ctx.tenant_id)
    for vol in volumes(ctx.session, req.id):
        lms.check_in_item(request_id=req.hrid, item_barcode=vol.item_id)
    courier.send(ctx, req, sam(req, "Cancelled", reason="CancelResponse", answer="Y",
                               note=_note(params)))
    return None


@action("supplierFillDigitalLoan")
def fill_digital(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    url = _url(params)
    courier.send(ctx, req, sam(req, "Loaned", note=_note(params), item_id=url, sent_via="URL",
                               due_date=_due(req)))
    return None


@action("supplierAddURLToDocument")
def add_url(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    url = _url(params)
    courier.send(ctx, req, sam(req, "CopyCompleted", note=_note(params), item_id=url,
                               sent_via="URL"))
    return None


def _url(params: dict[str, Any]) -> str:
    url = str(params.get("url", "") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ValidationFailed("give the document's url (http:// or https://)")
    return url


@action("supplierRespondToRenew")
def respond_to_renew(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    answer = str(params.get("renewResponse", "") or "").lower()
    if answer not in ("yes", "no"):
        raise ValidationFailed("renewResponse must be yes or no")
    if answer == "no":
        previous = (req.previous_states or {}).get(req.state, "RES_ITEM_SHIPPED")
        courier.send(ctx, req, sam(req, status_for_state(previous), reason="RenewResponse",
                                   answer="N", note=_note(params), due_date=_due(req)))
        return "no"
    if params.get("dueDate"):
        req.due_date = dt.datetime.fromisoformat(str(params["dueDate"]).replace("Z", "+00:00"))
    else:
        base = max(req.due_date or ctx.now(), ctx.now())
        req.due_date = base + dt.timedelta(days=ctx.setting_int("default_loan_period", 56))
    req.renewals += 1
    courier.send(ctx, req, sam(req, "Loaned", reason="RenewResponse", answer="Y",
                               note=_note(params), due_date=_due(req)))
    return None


@action("supplierRecall")
def recall(ctx: Ctx, req: PatronRequest, params: dict[str, Any]) -> str | None:
    req.recalled = True
    courier.send(ctx, req, sam(req, "Recalled", note=_note(params), due_date=_due(req)))
    return None


_ISO_STATUS = {"RES_IDLE": "ExpectToSupply", "RES_NEW_AWAIT_PULL_SLIP": "WillSupply",
               "RES_AWAIT_PICKING": "WillSupply", "RES_AWAIT_SHIP": "WillSupply",
               "RES_COPY_AWAIT_PICKING": "WillSupply", "RES_SEQUESTERED": "WillSupply",
               "RES_PENDING_CONDITIONAL_ANSWER": "ExpectToSupply", "RES_ITEM_SHIPPED": "Loaned",
               "RES_RENEW_REQUESTED": "Loaned", "RES_LOANED_DIGITALLY": "Loaned",
               "RES_OVERDUE": "Overdue", "RES_AWAIT_DESEQUESTRATION": "Overdue",
               "RES_ITEM_RETURNED": "Loaned", "RES_COMPLETE": "LoanCompleted",
               "RES_UNFILLED": "Unfilled", "RES_NOT_SUPPLIED": "Unfilled",
               "RES_CANCELLED": "Cancelled", "RES_DOCUMENT_DELIVERED": "CopyCompleted",
               "RES_CANCEL_REQUEST_RECEIVED": "ExpectToSupply"}


def status_for_state(state: str) -> str:
    return _ISO_STATUS.get(state, "ExpectToSupply")


def iso_status(req: PatronRequest) -> str:
    return status_for_state(req.state)
