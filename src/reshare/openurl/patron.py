"""The patron page: a patron's own requests and their states, with cancel before shipping.

Identity comes from the trusted header (setting ``openurl_patron_header``) when the library
set one, else from a signed link (``status_link``) handed out when the request was made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from reshare.errors import NotFound, Unauthorized, Unavailable, ValidationFailed
from reshare.openurl import intake
from reshare.web.deps import PlatformDep, Public
from reshare.web.ui.render import render

if TYPE_CHECKING:
    from reshare.platform import Platform

router = APIRouter(tags=["patron"])
LINK_DAYS = 60
CANCEL_ACTION = "requesterCancel"
SHIPPED = {"REQ_SHIPPED", "REQ_CHECKED_IN", "REQ_AWAITING_RETURN_SHIPPING",
           "REQ_RETURN_SHIPPED", "REQ_REQUEST_COMPLETE", "REQ_OVERDUE", "REQ_RECALLED",
           "REQ_DOCUMENT_DELIVERED", "REQ_LOANED_DIGITALLY"}


def _signer(platform: Platform) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(platform.secret_key, salt="reshare-patron-link")


def status_link(platform: Platform, tenant_id: int, tenant_code: str, patron_id: str) -> str:
    token = _signer(platform).dumps({"t": tenant_id, "p": patron_id})
    return f"/patron/{quote(tenant_code)}?token={token}"


def identify(platform: Platform, tenant_id: int, request: Request, token: str | None) -> str:
    """The patron's identifier from the trusted header, else from a valid signed link."""
    header = intake.patron_header(platform, tenant_id)
    if header:
        value = request.headers.get(header, "").strip()
        if value:
            return value
    if token:
        try:
            data = _signer(platform).loads(token, max_age=LINK_DAYS * 86400)
        except BadSignature:
            data = None
        if isinstance(data, dict) and data.get("t") == tenant_id and data.get("p"):
            return str(data["p"])
    raise Unauthorized("We cannot tell who you are: open the link you got when you made your "
                       "request, or log in to your library first.", code="patron_unknown")


def _engine() -> Any:
    try:
        return importlib.import_module("reshare.requests.service")
    except ImportError:
        raise Unavailable("Requests are not available on this service yet.",
                          code="engine_missing") from None


def can_cancel(view: Any) -> bool:
    return CANCEL_ACTION in view.valid_actions and view.state not in SHIPPED


@router.get("/patron/{tenant}", dependencies=[Public])
def patron_page(tenant: str, request: Request, platform: PlatformDep,
                token: str | None = None) -> Response:
    tenant_id, code, name = intake.tenant_by_code(platform, tenant)
    patron_id = identify(platform, tenant_id, request, token)
    views = _engine().list_requests(platform, tenant_id, patron=patron_id, role="requester")
    rows = [{"view": v, "cancel": can_cancel(v)} for v in views]
    return render(request, "patron.html", title="Your requests", tenant_code=code,
                  tenant_name=name, patron_id=patron_id, rows=rows, token=token or "",
                  flash=request.query_params.get("done"))


@router.post("/patron/{tenant}/requests/{request_id}/cancel", dependencies=[Public])
def patron_cancel(tenant: str, request_id: int, request: Request, platform: PlatformDep,
                  token: Annotated[str, Form()] = "") -> Response:
    """Cancel one's own request while it has not shipped."""
    tenant_id, code, _ = intake.tenant_by_code(platform, tenant)
    patron_id = identify(platform, tenant_id, request, token or None)
    engine = _engine()
    try:
        view = engine.get_request(platform, tenant_id, request_id)
    except NotFound:
        view = None
    if view is None or view.role != "requester" or view.data.get("patron_id") != patron_id:
        raise NotFound("You have no request with this number.", code="request_not_found")
    if not can_cancel(view):
        raise ValidationFailed(f"Request {view.hrid} cannot be cancelled any more "
                               f"({view.state_label}). Please contact your library.",
                               code="not_cancellable")
    engine.perform_action(platform, tenant_id, request_id, CANCEL_ACTION,
                          {"reason": "patron_requested", "note": "cancelled by the patron"},
                          actor=f"patron:{patron_id}")
    target = f"/patron/{quote(code)}?done=Request+{quote(view.hrid)}+cancelled"
    if token:
        target += f"&token={quote(token)}"
    return RedirectResponse(target, status_code=303)
