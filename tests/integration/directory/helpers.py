"""Building directory entries for tests in one call."""

from __future__ import annotations

from typing import Any

from reshare.directory import editing
from reshare.platform import Platform


def make_entry(platform: Platform, tenant_id: int, type_: str, name: str, **fields: Any) -> str:
    """Create a managed entry of ``tenant_id``; returns its id."""
    with platform.db.tenant(tenant_id) as session:
        entry = editing.create_entry(session, tenant_id,
                                     editing.EntryDraft(type=type_, name=name, **fields))
        return entry.id


def make_library(platform: Platform, tenant_id: int, code: str) -> tuple[str, str]:
    """An institution with symbol RESHARE:<code>, an ISO 18626 service and a pickup branch."""
    inst = make_entry(platform, tenant_id, "institution", f"{code} Library", slug=code.lower(),
                      symbols=[f"RESHARE:{code}"],
                      services={"ISO18626": f"https://{code.lower()}.example.edu/iso18626"})
    branch = make_entry(platform, tenant_id, "branch", f"{code} Main", slug=f"{code.lower()}-main",
                        parent=code.lower(), tags=["pickup"], lms_location_code="MAIN")
    return inst, branch
