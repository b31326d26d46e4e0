"""Request (borrowing) and Supply (lending) queues, request detail with actions and chat."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reshare.errors import NotFound, ReshareError
from reshare.web.deps import PlatformDep, Staff
from reshare.web.ui import engine, request_forms
from reshare.web.ui.render import render

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)
SORTS: dict[str, tuple[str, bool]] = {
    "newest": ("id", True), "oldest": ("id", False), "title": ("title", False),
    "state": ("state", False), "needed_by": ("needed_by", False), "due": ("due_date", False),
}
PAGE = 50


def _side(side: str) -> str:
    return "supplier" if side == "supplier" else "requester"


def _sort(views: list[Any], sort: str) -> list[Any]:
    key, reverse = SORTS.get(sort, SORTS["newest"])

    def value(v: Any) -> Any:
        raw = v.id if key == "id" else v.state_label if key == "state" else v.data.get(key)
        return (raw is None or raw == "", str(raw or "").lower() if key != "id" else raw)

    return sorted(views, key=value, reverse=reverse)


def queue_views(platform: Any, tenant_id: int, q: dict[str, str]) -> list[Any]:
    """The requests of the current filter (side, state, search, patron, partner), sorted."""
    views = engine.service().list_requests(
        platform, tenant_id, role=_side(q.get("side", "")), state=q.get("state") or None,
        q=q.get("q") or None, patron=q.get("patron") or None,
        symbol=q.get("partner") or None, terminal=None if q.get("closed") else False,
        limit=500)
    if q.get("q"):
        found = set(engine.find(platform, tenant_id, q["q"]))
        if found:
            known = {v.id for v in views}
            views += [engine.service().get_request(platform, tenant_id, i) for i in found
                      if i not in known]
    return _sort(views, q.get("sort", "newest"))


@router.get("/requests", response_class=HTMLResponse)
def queue(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    q = dict(request.query_params)
    side = _side(q.get("side", ""))
    views = queue_views(platform, principal.tenant_id, q)
    page = max(1, int(q.get("page", "1") or 1) if str(q.get("page", "1")).isdigit() else 1)
    shown = views[(page - 1) * PAGE: page * PAGE]
    labels = engine.state_labels()
    counts = [(s, labels.get(s, s), n) for s, n in
              engine.counts(platform, principal.tenant_id, side == "requester")]
    unread = engine.unread(platform, principal.tenant_id, [v.id for v in shown])
    template = "requests_rows.html" if request.headers.get("hx-request") else "requests.html"
    return render(request, template, principal=principal,
                  active="request" if side == "requester" else "supply",
                  title="Request" if side == "requester" else "Supply", side=side, q=q,
                  views=shown, total=len(views), page=page, pages=max(1, -(-len(views) // PAGE)),
                  counts=counts, sorts=list(SORTS), unread=unread,
                  flash=q.get("done"), flash_kind=q.get("kind", "ok"))


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail(request: Request, request_id: int, principal: Staff,
           platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    view = engine.service().get_request(platform, principal.tenant_id, request_id)
    unread = engine.unread(platform, principal.tenant_id, [request_id]).get(request_id, 0)
    engine.mark_seen(platform, principal.tenant_id, request_id)
    actions = [(a, request_forms.label(a), request_forms.fields(a))
               for a in view.valid_actions if a not in request_forms.HIDDEN]
    template = "request_chat.html" if request.headers.get("hx-request") else "request.html"
    return render(request, template, principal=principal,
                  active="request" if view.role == "requester" else "supply",
                  title=f"Request {view.hrid}", view=view, actions=actions, unread=unread,
                  can_chat="message" in view.valid_actions,
                  flash=request.query_params.get("done"),
                  flash_kind=request.query_params.get("kind", "ok"))


@router.post("/requests/{request_id}/actions/{action}")
async def act(request: Request, request_id: int, action: str, principal: Staff,
              platform: PlatformDep) -> Response:
    """Perform one action; the outcome (or the engine's refusal) shows on the detail page."""
    assert principal.tenant_id is not None
    form = {k: str(v) for k, v in (await request.form()).items()}
    params = request_forms.params_from_form(action, form)
    target = f"/ui/requests/{request_id}"
    try:
        # in a worker thread: the action may call the LMS or a peer over HTTP, which must not
        # block the event loop (it may even be this server, e.g. the demo's simulators)
        view = await run_in_threadpool(
            engine.service().perform_action, platform, principal.tenant_id, request_id,
            action, params, actor=principal.username)
    except NotFound:
        raise
    except ReshareError as exc:
        return RedirectResponse(f"{target}?kind=error&done={_q(exc.message)}", 303)
    if action == "message" and request.headers.get("hx-request"):
        return detail(request, request_id, principal, platform)
    done = f"{request_forms.label(action)}: done, now {view.state_label}"
    return RedirectResponse(f"{target}?done={_q(done)}", 303)


def _q(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text[:300])
