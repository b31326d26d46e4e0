"""Figures for the dashboard, read from the request engine's tables when it is installed."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from reshare.db import utcnow

if TYPE_CHECKING:
    from reshare.platform import Platform

# A request counts as filled once the supplier shipped or delivered it (seen in the audit).
FILLED = {"REQ_SHIPPED", "REQ_DOCUMENT_DELIVERED", "REQ_LOANED_DIGITALLY"}
DELIVERED = {"REQ_CHECKED_IN", "REQ_DOCUMENT_DELIVERED", "REQ_LOANED_DIGITALLY"}
WEEKS = 12


@dataclass
class Stats:
    available: bool
    total: int = 0
    open: int = 0
    borrowing: int = 0
    lending: int = 0
    per_state: list[tuple[str, float]] = field(default_factory=list)
    per_week: list[tuple[str, int, int]] = field(default_factory=list)
    turnaround: list[tuple[str, float]] = field(default_factory=list)
    fill_rate: list[tuple[str, float]] = field(default_factory=list)


def _engine() -> Any | None:
    try:
        return importlib.import_module("reshare.requests.store")
    except ImportError:
        return None


def _week(when: dt.datetime) -> str:
    monday = (when - dt.timedelta(days=when.weekday())).date()
    return monday.isoformat()


def collect(platform: Platform, tenant_id: int, now: dt.datetime | None = None) -> Stats:
    store = _engine()
    if store is None or not hasattr(store, "PatronRequest"):
        return Stats(available=False)
    pr, audit = store.PatronRequest, getattr(store, "AuditEntry", None)
    now = now or utcnow()
    with platform.db.tenant(tenant_id) as session:
        rows = session.execute(select(pr.id, pr.state, pr.is_requester, pr.created_at,
                                      pr.supplying_symbol)).all()
        delivered_at: dict[int, dt.datetime] = {}
        filled: set[int] = set()
        if audit is not None:
            for request_id, at, to_state in session.execute(
                    select(audit.request_id, audit.at, audit.to_state)
                    .where(audit.to_state.in_(DELIVERED | FILLED)).order_by(audit.at)):
                if to_state in DELIVERED:
                    delivered_at.setdefault(request_id, at)
                if to_state in FILLED:
                    filled.add(request_id)
        labels = _state_labels()
    stats = Stats(available=True, total=len(rows))
    per_state: Counter[str] = Counter(labels.get(r.state, r.state) for r in rows)
    stats.per_state = [(k, float(v)) for k, v in per_state.most_common()]
    stats.borrowing = sum(1 for r in rows if r.is_requester)
    stats.lending = stats.total - stats.borrowing
    terminal = _terminal_states()
    stats.open = sum(1 for r in rows if r.state not in terminal)
    stats.per_week = _weeks(rows, now)
    stats.turnaround = _turnaround(rows, delivered_at)
    stats.fill_rate = _fill_rate(rows, filled)
    return stats


def _weeks(rows: list[Any], now: dt.datetime) -> list[tuple[str, int, int]]:
    start = now - dt.timedelta(weeks=WEEKS - 1)
    weeks = [_week(start + dt.timedelta(weeks=i)) for i in range(WEEKS)]
    borrow: Counter[str] = Counter()
    lend: Counter[str] = Counter()
    for r in rows:
        (borrow if r.is_requester else lend)[_week(r.created_at)] += 1
    return [(w, borrow[w], lend[w]) for w in weeks]


def _turnaround(rows: list[Any], delivered_at: dict[int, dt.datetime]) -> list[tuple[str, float]]:
    by_partner: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.is_requester and r.id in delivered_at:
            days = (delivered_at[r.id] - r.created_at).total_seconds() / 86400
            by_partner[r.supplying_symbol or "unknown"].append(days)
    return sorted(((k, sum(v) / len(v)) for k, v in by_partner.items()), key=lambda x: x[0])


def _fill_rate(rows: list[Any], filled_ids: set[int]) -> list[tuple[str, float]]:
    """Share of the requests sent to each partner (current supplier) that it filled."""
    asked: Counter[str] = Counter()
    filled: Counter[str] = Counter()
    for r in rows:
        if r.is_requester and r.supplying_symbol:
            asked[r.supplying_symbol] += 1
            filled[r.supplying_symbol] += r.id in filled_ids
    return [(k, 100.0 * filled[k] / asked[k]) for k in sorted(asked)]


def _state_labels() -> dict[str, str]:
    try:
        states = importlib.import_module("reshare.requests.statemodels").STATES
    except (ImportError, AttributeError):
        return {}
    return {code: getattr(info, "label", code) for code, info in states.items()}


def _terminal_states() -> set[str]:
    try:
        states = importlib.import_module("reshare.requests.statemodels").STATES
    except (ImportError, AttributeError):
        return set()
    return {code for code, info in states.items() if getattr(info, "terminal", False)}
