"""The protocol log: raw ISO 18626 messages in and out per tenant, kept while the tenant's
``loggingISO18626`` setting is ``yes`` and for ``loggingISO18626Days`` days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select

from reshare.db import ScopedSession, utcnow
from reshare.errors import NotFound
from reshare.iso18626.store import ProtocolLogEntry
from reshare.settings import service as settings_service
from reshare.tenancy.store import Tenant

MAX_LOGGED_CHARS = 200_000


def enabled(session: ScopedSession) -> bool:
    return (settings_service.get_value(session, "loggingISO18626") or "no") == "yes"


def record(session: ScopedSession, *, direction: str, element: str, request_id: str,
           peer_symbol: str, body: str, confirmation: str = "", message_status: str = "",
           http_status: int | None = None, detail: str = "") -> None:
    """Add a log entry when the tenant logs ISO 18626 (no-op otherwise)."""
    if not enabled(session):
        return
    session.core(_ADD, {
        "direction": direction, "element": element, "request_id": request_id[:255],
        "peer_symbol": peer_symbol[:128], "body": body[:MAX_LOGGED_CHARS],
        "confirmation": confirmation[:MAX_LOGGED_CHARS], "message_status": message_status[:16],
        "http_status": http_status, "detail": detail[:2000]})


_ADD = insert(ProtocolLogEntry)  # Core: one per message in and out


def purge(session: ScopedSession, *, now: dt.datetime | None = None) -> int:
    """Delete this tenant's entries older than ``loggingISO18626Days``; returns how many."""
    days = int(settings_service.get_value(session, "loggingISO18626Days") or 30)
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    result = session.execute(delete(ProtocolLogEntry).where(ProtocolLogEntry.created_at < cutoff)
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_all(platform: Any, *, now: dt.datetime | None = None) -> int:
    """Retention for every tenant (the daily job)."""
    with platform.db.unscoped() as session:
        tenant_ids = list(session.scalars(select(Tenant.id)))
    removed = 0
    for tenant_id in tenant_ids:
        with platform.db.tenant(tenant_id) as session:
            removed += purge(session, now=now)
    return removed


def _summary(entry: ProtocolLogEntry) -> dict[str, Any]:
    return {"id": entry.id, "direction": entry.direction, "element": entry.element,
            "request_id": entry.request_id, "peer_symbol": entry.peer_symbol,
            "message_status": entry.message_status, "http_status": entry.http_status,
            "detail": entry.detail, "created_at": entry.created_at.isoformat()}


def list_entries(session: ScopedSession, *, request_id: str | None = None,
                 direction: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(ProtocolLogEntry).order_by(ProtocolLogEntry.id.desc()).limit(limit)
    if request_id:
        query = query.where(ProtocolLogEntry.request_id == request_id)
    if direction:
        query = query.where(ProtocolLogEntry.direction == direction)
    return [_summary(e) for e in session.scalars(query)]


def get_entry(session: ScopedSession, entry_id: int) -> dict[str, Any]:
    entry = session.get(ProtocolLogEntry, entry_id)
    if entry is None or entry.tenant_id != session.tenant_id:
        raise NotFound(f"no protocol log entry {entry_id} in this library; list them with "
                       "GET /iso18626/log", code="log_entry_not_found")
    return {**_summary(entry), "body": entry.body, "confirmation": entry.confirmation}
