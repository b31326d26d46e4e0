"""Supplier work pages: pull slips for the current filter (print, mark printed) and the scan page."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote_plus

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reshare.errors import ReshareError
from reshare.notices.pullslip import PullSlip, render_pull_slips
from reshare.web.deps import PlatformDep, Staff
from reshare.web.ui import engine, request_forms
from reshare.web.ui.render import render
from reshare.web.ui.request_pages import queue_views

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)
PRINT_ACTION = "supplierPrintPullSlip"


def slip_for(view: Any) -> PullSlip:
    d = view.data

    def get(key: str) -> str | None:
        value = d.get(key)
        return str(value) if value not in (None, "") else None

    return PullSlip(hrid=view.hrid, title=get("title") or "(no title)", author=get("author"),
                    call_number=get("local_call_number"), location=get("pick_location"),
                    shelving_location=get("pick_shelving_location"),
                    pickup_location=get("pickup_location"),
                    requester_symbol=get("requesting_symbol"),
                    supplier_symbol=get("supplying_symbol"),
                    item_barcode=get("selected_item_barcode"), needed_by=get("needed_by"),
                    edition=get("edition"), isbn=get("isbn"), issn=get("issn"),
                    oclc_number=get("oclc_number"), patron_note=get("patron_note"),
                    date_created=(get("created_at") or "")[:10] or None)


def batch(platform: Any, tenant_id: int, query: dict[str, str]) -> list[Any]:
    """Supplier requests of the filter; without a state filter, only those awaiting a slip."""
    query = {**query, "side": "supplier"}
    views = queue_views(platform, tenant_id, query)
    if not query.get("state"):
        views = [v for v in views if PRINT_ACTION in v.valid_actions]
    return views


@router.get("/pullslips.pdf")
def pull_slips(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    views = batch(platform, principal.tenant_id, dict(request.query_params))
    pdf = render_pull_slips([slip_for(v) for v in views])
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="pull-slips.pdf"'})


@router.post("/pullslips/printed")
async def mark_printed(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    """Mark the batch of the filter printed: each request moves on where that is valid."""
    assert principal.tenant_id is not None
    form = await request.form()
    query = dict(parse_qsl(str(form.get("query", ""))))
    views = await run_in_threadpool(batch, platform, principal.tenant_id, query)
    result = await run_in_threadpool(
        engine.service().mark_pull_slips_printed, platform, principal.tenant_id,
        [v.id for v in views], actor=principal.username)
    done = (f"{len(result.get('successful', []))} pull slips marked printed"
            + (f", {len(result['notValid'])} not valid now" if result.get("notValid") else ""))
    return RedirectResponse(f"/ui/requests?side=supplier&done={quote_plus(done)}", 303)


def _bulk_actions() -> list[str]:
    try:
        core = engine._module("core")
    except ReshareError:
        return []
    return sorted(getattr(core, "BULK_ALLOWED", set()))


@router.get("/scan", response_class=HTMLResponse)
def scan_page(request: Request, principal: Staff) -> Response:
    actions = [(a, request_forms.label(a)) for a in _bulk_actions()]
    return render(request, "scan.html", principal=principal, active="scan", title="Scan",
                  actions=actions, results=None, codes="", chosen="")


@router.post("/scan", response_class=HTMLResponse)
async def scan(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    """One action on every request found by the scanned HRIDs or item barcodes."""
    assert principal.tenant_id is not None
    form = {k: str(v) for k, v in (await request.form()).items()}
    action, codes = form.get("action", ""), form.get("codes", "")
    results: list[tuple[str, int | None, str, str]] = []
    for code in dict.fromkeys(c.strip() for c in codes.replace(",", "\n").splitlines()):
        if not code:
            continue
        ids = engine.find(platform, principal.tenant_id, code)
        if not ids:
            results.append((code, None, "error", "no request has this ID or barcode"))
            continue
        for rid in ids:
            try:
                view = await run_in_threadpool(
                    engine.service().perform_action, platform, principal.tenant_id, rid,
                    action, request_forms.params_from_form(action, form),
                    actor=principal.username)
                results.append((code, rid, "ok", f"{view.hrid}: now {view.state_label}"))
            except ReshareError as exc:
                results.append((code, rid, "error", exc.message))
    actions = [(a, request_forms.label(a)) for a in _bulk_actions()]
    return render(request, "scan.html", principal=principal, active="scan", title="Scan",
                  actions=actions, results=results, codes="", chosen=action)
