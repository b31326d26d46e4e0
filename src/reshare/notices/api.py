"""Routes: the notice queue (list, retry) and the tenant's notice templates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from reshare.notices import service
from reshare.web.deps import PlatformDep, Staff, TenantAdmin

router = APIRouter(tags=["notices"])


class TemplateBody(BaseModel):
    subject: str
    body: str
    active: bool = True


@router.get("/notices")
def list_notices(principal: Staff, platform: PlatformDep, status: str | None = None,
                 request_id: int | None = None) -> list[dict[str, Any]]:
    """The latest notices of this library, newest first."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return [service.as_dict(n) for n in
                service.list_notices(session, status=status, request_id=request_id)]


@router.post("/notices/{notice_id}/retry")
def retry_notice(notice_id: int, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """Queue a failed or skipped notice again."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.as_dict(service.retry(session, notice_id))


@router.get("/notice-templates")
def list_templates(principal: Staff, platform: PlatformDep) -> list[dict[str, Any]]:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.list_templates(session)


@router.put("/notice-templates/{trigger}")
def put_template(trigger: str, body: TemplateBody, principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Replace the template for a trigger; it must render with sample values."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.set_template(session, trigger, body.subject, body.body, body.active,
                                    actor=principal.username)


@router.delete("/notice-templates/{trigger}")
def reset_template(trigger: str, principal: TenantAdmin, platform: PlatformDep) -> dict[str, str]:
    """Go back to the built-in template for a trigger."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        service.reset_template(session, trigger)
    return {"status": "reset", "trigger": trigger}
