"""Request statistics by state and tag, served to peers for load balancing (RS_STATS)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from reshare.db import utcnow
from reshare.platform import Platform
from reshare.requests.statemodels import STATES
from reshare.requests.store import PatronRequest
from reshare.tenancy import service as tenancy


def counts(platform: Platform, tenant_id: int) -> dict[str, Any]:
    # read-only: a peer on this same installation may ask while it holds a write transaction
    with platform.db.reading(tenant_id) as session:
        rows = session.execute(select(PatronRequest.state_model, PatronRequest.state,
                                      func.count()).group_by(PatronRequest.state_model,
                                                             PatronRequest.state)).all()
    by_state: dict[str, int] = {}
    by_tag: dict[str, int] = {"ACTIVE_LOAN": 0, "ACTIVE_BORROW": 0, "ACTIVE_PATRON": 0}
    for model, state, n in rows:
        by_state[f"{model}:{state}"] = int(n)
        for tag in STATES[state].tags:
            by_tag[tag] = by_tag.get(tag, 0) + int(n)
    return {"asAt": utcnow().isoformat(), "requestsByState": by_state, "requestsByTag": by_tag}


def for_tenant_code(platform: Platform, code: str) -> dict[str, Any]:
    tenant = tenancy.get_tenant(platform.db, code)  # NotFound for an unknown code
    return counts(platform, tenant.id)
