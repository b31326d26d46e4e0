"""Read side: requests as views (with valid actions), and the filtered list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from reshare.db import ScopedSession
from reshare.requests import store
from reshare.requests.model import RequestView
from reshare.requests.statemodels import MODELS, STATES
from reshare.requests.store import PatronRequest

_HIDDEN = {"tenant_id", "previous_states", "extra"}


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, skip: set[str] | None = None) -> dict[str, Any]:
    skip = (skip or set()) | {"tenant_id"}
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def request_view(session: ScopedSession, req: PatronRequest, *, full: bool = False) -> RequestView:
    info = STATES[req.state]
    view = RequestView(
        id=req.id, hrid=req.hrid, role="requester" if req.is_requester else "supplier",
        state=req.state, state_label=info.label, stage=info.stage.value, terminal=info.terminal,
        needs_attention=req.needs_attention,
        valid_actions=MODELS[req.state_model].valid_actions(req.state),
        data=_row(req, _HIDDEN))
    if full:
        view.rota = [_row(r) for r in store.rota(session, req.id)]
        view.audit = [_row(a) for a in store.audit(session, req.id)]
        view.messages = [_row(m) for m in store.messages(session, req.id)]
        view.conditions = [_row(c) for c in store.conditions(session, req.id)]
        view.volumes = [_row(v) for v in store.volumes(session, req.id)]
    return view


def list_requests(platform: Any, tenant_id: int, *, state: str | None = None,
                  role: str | None = None, patron: str | None = None,
                  symbol: str | None = None, since: dt.datetime | None = None,
                  until: dt.datetime | None = None, needs_attention: bool | None = None,
                  q: str | None = None, terminal: bool | None = None, limit: int = 100,
                  offset: int = 0, hrid: str | None = None) -> list[RequestView]:
    stmt = select(PatronRequest)
    if hrid:
        stmt = stmt.where(PatronRequest.hrid == hrid)
    if state:
        stmt = stmt.where(PatronRequest.state.in_(state.split(",")))
    if role:
        stmt = stmt.where(PatronRequest.is_requester.is_(role == "requester"))
    if patron:
        stmt = stmt.where(PatronRequest.patron_id == patron)
    if symbol:
        sym = symbol.upper()
        stmt = stmt.where(or_(PatronRequest.requesting_symbol == sym,
                              PatronRequest.supplying_symbol == sym))
    if since:
        stmt = stmt.where(PatronRequest.created_at >= since)
    if until:
        stmt = stmt.where(PatronRequest.created_at < until)
    if needs_attention is not None:
        stmt = stmt.where(PatronRequest.needs_attention.is_(needs_attention))
    if q:
        stmt = stmt.where(PatronRequest.title.ilike(f"%{q}%"))
    if terminal is not None:
        codes = [c for c, i in STATES.items() if i.terminal]
        stmt = stmt.where(PatronRequest.state.in_(codes) if terminal
                          else PatronRequest.state.not_in(codes))
    stmt = stmt.order_by(PatronRequest.id.desc()).limit(min(limit, 500)).offset(offset)
    with platform.db.reading(tenant_id) as session:
        return [request_view(session, r) for r in session.scalars(stmt)]
