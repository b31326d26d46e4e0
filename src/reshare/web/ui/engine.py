"""The UI's one door to the request engine (imported lazily: the UI runs without it).

Writes go through the engine's service functions only. A few read-only queries the service
does not offer (counts per state, lookup by HRID or item barcode) and marking partner messages
as seen read the engine's tables here, in one place.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from reshare.errors import Unavailable

if TYPE_CHECKING:
    from reshare.platform import Platform


def _module(name: str) -> Any:
    try:
        return importlib.import_module(f"reshare.requests.{name}")
    except ImportError:
        raise Unavailable("The request engine is not installed in this build.",
                          code="engine_missing") from None


def available() -> bool:
    try:
        importlib.import_module("reshare.requests.service")
    except ImportError:
        return False
    return True


def service() -> Any:
    return _module("service")


def state_labels() -> dict[str, str]:
    states = _module("statemodels").STATES
    return {code: info.label for code, info in states.items()}


def counts(platform: Platform, tenant_id: int, requester: bool) -> list[tuple[str, int]]:
    """(state, number of requests) for one side, most first."""
    pr = _module("store").PatronRequest
    with platform.db.tenant(tenant_id) as session:
        rows = session.execute(select(pr.state, func.count()).where(
            pr.is_requester.is_(requester)).group_by(pr.state)).all()
    return sorted(((s, int(n)) for s, n in rows), key=lambda x: (-x[1], x[0]))


def find(platform: Platform, tenant_id: int, code: str) -> list[int]:
    """Requests whose HRID or item barcode is ``code`` (case-insensitive HRID)."""
    store = _module("store")
    pr, volume = store.PatronRequest, getattr(store, "Volume", None)
    code = code.strip()
    with platform.db.tenant(tenant_id) as session:
        ids = list(session.scalars(select(pr.id).where(func.upper(pr.hrid) == code.upper())))
        ids += list(session.scalars(select(pr.id).where(pr.selected_item_barcode == code)))
        if volume is not None:
            ids += list(session.scalars(select(volume.request_id).where(volume.item_id == code)))
    return sorted(set(ids))


def unread(platform: Platform, tenant_id: int, request_ids: list[int]) -> dict[int, int]:
    """Unseen messages from partners, per request."""
    store = _module("store")
    msg = getattr(store, "RequestMessage", None)
    if msg is None or not request_ids:
        return {}
    with platform.db.tenant(tenant_id) as session:
        rows = session.execute(select(msg.request_id, func.count()).where(
            msg.request_id.in_(request_ids), msg.outbound.is_(False), msg.seen.is_(False))
            .group_by(msg.request_id)).all()
    return {rid: int(n) for rid, n in rows}


def mark_seen(platform: Platform, tenant_id: int, request_id: int) -> None:
    msg = getattr(_module("store"), "RequestMessage", None)
    if msg is None:
        return
    with platform.db.tenant(tenant_id) as session:
        session.execute(update(msg).where(msg.request_id == request_id, msg.outbound.is_(False),
                                          msg.seen.is_(False)).values(seen=True))
