"""Pages for patron notices: the queue (with retry) and the templates (edit, preview, reset)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reshare.errors import ValidationFailed
from reshare.notices import service
from reshare.notices.model import BY_CODE, SAMPLE_VALUES
from reshare.notices.model import render as render_notice
from reshare.web.deps import PlatformDep, Staff, TenantAdmin
from reshare.web.ui.render import render

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)
STATUSES = ("queued", "sending", "sent", "failed", "skipped", "superseded")


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, principal: Staff, platform: PlatformDep,
                 status: str = "") -> Response:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        rows = [service.as_dict(n) for n in service.list_notices(session, status=status or None)]
        templates = service.list_templates(session)
    return render(request, "notices.html", principal=principal, active="notices",
                  title="Patron notices", rows=rows, templates=templates, status=status,
                  statuses=STATUSES, flash=request.query_params.get("done"))


@router.post("/notices/{notice_id}/retry")
def retry_notice(notice_id: int, principal: Staff, platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        service.retry(session, notice_id)
    return RedirectResponse(f"/ui/notices?done=Notice+{notice_id}+queued+again", 303)


@router.get("/notices/templates/{trigger}", response_class=HTMLResponse)
def template_page(request: Request, trigger: str, principal: Staff,
                  platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        subject, body, active, custom = service.template_for(session, trigger)
    preview = render_notice(subject, body, SAMPLE_VALUES)
    return render(request, "notice_template.html", principal=principal, active="notices",
                  title=f"Notice: {BY_CODE[trigger].label}", trigger=trigger, subject=subject,
                  body=body, is_active=active, custom=custom, preview=preview, error=None,
                  flash=request.query_params.get("done"))


@router.post("/notices/templates/{trigger}", response_class=HTMLResponse)
def save_template(request: Request, trigger: str, principal: TenantAdmin,
                  platform: PlatformDep, subject: Annotated[str, Form()] = "",
                  body: Annotated[str, Form()] = "", active: Annotated[str, Form()] = "",
                  reset: Annotated[str, Form()] = "") -> Response:
    """Save (after a test render) or reset a template; errors come back on the same form."""
    assert principal.tenant_id is not None
    try:
        with platform.db.tenant(principal.tenant_id) as session:
            if reset:
                service.reset_template(session, trigger)
            else:
                service.set_template(session, trigger, subject, body, active == "yes",
                                     actor=principal.username)
    except ValidationFailed as exc:
        return render(request, "notice_template.html", status_code=422, principal=principal,
                      active="notices", title=f"Notice: {BY_CODE.get(trigger, trigger)}",
                      trigger=trigger, subject=subject, body=body, is_active=active == "yes",
                      custom=True, preview=None, error=exc.message, flash=None)
    done = "Template+reset" if reset else "Template+saved"
    return RedirectResponse(f"/ui/notices/templates/{trigger}?done={done}", 303)



