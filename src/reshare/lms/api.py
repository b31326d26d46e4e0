"""Routes: staff see the host LMS's locations, shelving locations, loan policies and patron
profiles the catalogue and LMS have reported, and administrators rate them; and a check of
what the tenant's LMS integration is set to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reshare.lms import preferences
from reshare.lms.profiles import profile_for
from reshare.settings.service import get_value
from reshare.web.deps import PlatformDep, Staff, TenantAdmin

router = APIRouter(prefix="/lms", tags=["lms"])


class EntryChange(BaseModel):
    name: str | None = None
    hidden: bool | None = None
    supply_preference: int | None = Field(None, ge=-1000, le=1000,
                                          description="Higher is preferred; below 0: never")
    lendable: bool | None = None
    can_create_requests: bool | None = None


class SitePreference(BaseModel):
    location: str
    shelving_location: str
    supply_preference: int = Field(ge=-1000, le=1000)


@router.get("/profile")
def lms_profile(principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """Which LMS profile the library uses and its quirks."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        setting = get_value(session, "host_lms_integration")
    p = profile_for(setting)
    return {"host_lms_integration": setting, "label": p.label, "transport": p.transport,
            "namespaced": p.namespaced, "username_retry": p.username_retry,
            "request_type": p.request_type, "request_scope": p.request_scope,
            "holdings": p.holdings, "record_schema": p.record_schema,
            "manual_cancel_request_item": p.manual_cancel}


@router.get("/{kind}")
def list_entries(kind: str, principal: Staff, platform: PlatformDep,
                 needs_review: bool | None = None) -> list[dict[str, Any]]:
    """kind: locations, shelving-locations, loan-policies or patron-profiles."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return preferences.list_entries(session, kind, needs_review=needs_review)


@router.patch("/{kind}/{code}")
def update_entry(kind: str, code: str, body: EntryChange, principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Rate an entry (supply preference, lendable, may create requests) or rename/hide it."""
    assert principal.tenant_id is not None
    changes = body.model_dump(exclude_none=True)
    with platform.db.tenant(principal.tenant_id) as session:
        return preferences.update_entry(session, kind, code, changes)


@router.put("/shelving-location-sites")
def set_site(body: SitePreference, principal: TenantAdmin,
             platform: PlatformDep) -> dict[str, Any]:
    """Preference of one shelving location at one location (overrides the shelving one)."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return preferences.set_site_preference(session, body.location, body.shelving_location,
                                               body.supply_preference)
