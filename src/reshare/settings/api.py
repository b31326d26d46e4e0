"""Routes: read and change the calling library's settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from reshare.settings import service
from reshare.settings.registry import SECTION_LABELS, SECTIONS
from reshare.web.deps import PlatformDep, Staff, TenantAdmin

router = APIRouter(tags=["settings"])


class SettingUpdate(BaseModel):
    value: str | int | bool | None


@router.get("/settings")
def list_settings(principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """Every setting of this library by section; secrets show only whether they are set."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        views = service.list_views(session)
    return {
        "sections": [
            {"section": s, "label": SECTION_LABELS.get(s, s),
             "settings": [v.as_dict() for v in views if v.definition.section == s]}
            for s in SECTIONS
        ]
    }


@router.get("/settings/{section}")
def list_section(section: str, principal: Staff, platform: PlatformDep) -> list[dict[str, Any]]:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return [v.as_dict() for v in service.list_views(session, section)]


@router.get("/settings/{section}/{key}")
def get_setting(section: str, key: str, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.view(session, section, key).as_dict()


@router.put("/settings/{section}/{key}")
def put_setting(section: str, key: str, body: SettingUpdate, principal: TenantAdmin,
                platform: PlatformDep) -> dict[str, Any]:
    """Validate and store a value; null or "" restores the default. Needs role admin."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.set_value(session, section, key, body.value,
                                 actor=principal.username).as_dict()
