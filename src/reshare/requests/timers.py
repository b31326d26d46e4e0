"""Timers of the request engine: stale supplier requests, overdue loans (both sides) and due-soon
notices. Every run handles every matching request, tenant by tenant, under a per-tenant lock."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable

from sqlalchemy import select, text

from reshare.db import ScopedSession, utcnow
from reshare.platform import Platform
from reshare.requests import adapters, courier, supplier
from reshare.requests.core import Ctx, model_of, queue_notice, transition
from reshare.requests.statemodels import OVERDUE_FROM, STALE_STATES
from reshare.requests.store import PatronRequest
from reshare.tenancy import service as tenancy


def tenant_lock(session: ScopedSession, name: str, tenant_id: int) -> bool:
    """Only one worker runs ``name`` for a tenant at a time (PostgreSQL advisory lock; SQLite
    already serialises writers with BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"requests:{name}:{tenant_id}".encode()) & 0x7FFFFFFF
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())


def for_each_tenant(platform: Platform, name: str,
                    work: Callable[[Ctx], int]) -> int:
    done = 0
    for tenant in tenancy.list_tenants(platform.db):
        if getattr(tenant, "status", "active") != "active":
            continue
        adapters.warm(platform, tenant.id)
        with platform.db.tenant(tenant.id) as session:
            if not tenant_lock(session, name, tenant.id):
                continue
            done += work(Ctx(platform, session, tenant.id, actor=f"system:{name}"))
    return done


# ------------------------------------------------------------------------------ stale


def _business_cutoff(now: dt.datetime, days: int, skip_weekends: bool) -> dt.datetime:
    cutoff = now
    remaining = days
    while remaining > 0:
        cutoff -= dt.timedelta(days=1)
        if not skip_weekends or cutoff.weekday() < 5:
            remaining -= 1
    return cutoff


def stale_cutoffs(ctx: Ctx, now: dt.datetime) -> dict[str, dt.datetime]:
    """Cutoff per service level; rush and express fall back to 3 hours like ReShare."""
    days = ctx.setting_int("stale_request_2_days", 3)
    skip = ctx.setting("stale_request_3_exclude_weekend", "yes") == "yes"
    return {"": _business_cutoff(now, days, skip),
            "rush": now - dt.timedelta(hours=ctx.setting_int("stale_request_rush_hours", 3)),
            "express": now - dt.timedelta(hours=ctx.setting_int("stale_request_express_hours",
                                                                3))}


def handle_stale(ctx: Ctx, now: dt.datetime | None = None) -> int:
    if ctx.setting("stale_request_1_enabled", "no") != "yes":
        return 0
    now = now or utcnow()
    cutoffs = stale_cutoffs(ctx, now)
    candidates = ctx.session.scalars(select(PatronRequest).where(
        PatronRequest.is_requester.is_(False), PatronRequest.state.in_(STALE_STATES))
        .order_by(PatronRequest.id).with_for_update()).all()
    done = 0
    for req in candidates:
        level = req.service_level.lower() if req.service_level.lower() in cutoffs else ""
        stale_action = model_of(req).stale_action
        if stale_action is None or req.created_at >= cutoffs[level]:
            continue
        hours = int((now - req.created_at).total_seconds() // 3600)
        note = f"Request has been idle for more than {hours} hours."
        qualifier = supplier.cannot_supply(ctx, req, {"reason": "unavailable", "note": note})
        transition(ctx, req, stale_action, qualifier, message=note)
        done += 1
    return done


# ------------------------------------------------------------------------------ overdue


def handle_overdue(ctx: Ctx, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    done = 0
    sup_states = [s for states in OVERDUE_FROM.values() for s in states]
    for req in ctx.session.scalars(select(PatronRequest).where(
            PatronRequest.is_requester.is_(False), PatronRequest.state.in_(sup_states),
            PatronRequest.due_date < now).with_for_update()).all():
        courier.send(ctx, req, supplier.sam(req, "Overdue", note="Request is Overdue",
                                            due_date=req.due_date.isoformat()
                                            if req.due_date else ""))
        transition(ctx, req, "supplierOverdue", message="due date passed")
        done += 1
    for req in ctx.session.scalars(select(PatronRequest).where(
            PatronRequest.is_requester.is_(True),
            PatronRequest.state.in_(("REQ_SHIPPED", "REQ_CHECKED_IN")),
            PatronRequest.due_date < now).with_for_update()).all():
        transition(ctx, req, "requesterOverdue", message="due date passed (our own check)")
        done += 1
    return done + _due_soon(ctx, now)


def _due_soon(ctx: Ctx, now: dt.datetime, days: int = 3) -> int:
    done = 0
    for req in ctx.session.scalars(select(PatronRequest).where(
            PatronRequest.is_requester.is_(True), PatronRequest.state == "REQ_CHECKED_IN",
            PatronRequest.due_date >= now,
            PatronRequest.due_date < now + dt.timedelta(days=days))).all():
        marker = req.due_date.isoformat() if req.due_date else ""
        if (req.extra or {}).get("due_soon_sent") == marker:
            continue
        req.extra = {**(req.extra or {}), "due_soon_sent": marker}
        queue_notice(ctx, "due_soon", req, key=f"due_soon:{req.id}:{marker}")
        done += 1
    return done


def run_stale(platform: Platform) -> int:
    return for_each_tenant(platform, "stale", handle_stale)


def run_overdue(platform: Platform) -> int:
    return for_each_tenant(platform, "overdue", handle_overdue)


def run_local_delivery(platform: Platform) -> int:
    return courier.deliver_local(platform) if courier.uses_local(platform) else 0
