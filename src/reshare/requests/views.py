"""Read side: requests as views (with valid actions), and the filtered list."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, bindparam, or_, select

from reshare.db import ScopedSession
from reshare.requests import courier, store
from reshare.requests.model import RequestView
from reshare.requests.statemodels import MODELS, STATES
from reshare.requests.store import PatronRequest

_HIDDEN = frozenset({"tenant_id", "previous_states", "extra"})
_AS_IS = frozenset({str, int, bool, float, type(None), dict, list})


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@functools.lru_cache(maxsize=64)
def _keys(table: Any, skip: frozenset[str]) -> tuple[str, ...]:
    return tuple(c.key for c in table.columns if c.key not in skip and c.key != "tenant_id")


def _row(obj: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A table row (ORM object, or a Core row of ``patron_requests``) as plain values."""
    return {k: _plain(getattr(obj, k)) for k in _keys(getattr(obj, "__table__", _PR), skip)}


_PR: Any = PatronRequest.__table__


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
        courier.deliveries(session, view.messages)
        view.conditions = [_row(c) for c in store.conditions(session, req.id)]
        view.volumes = [_row(v) for v in store.volumes(session, req.id)]
    return view


def list_requests(platform: Any, tenant_id: int, *, state: str | None = None,
                  role: str | None = None, patron: str | None = None,
                  symbol: str | None = None, since: dt.datetime | None = None,
                  until: dt.datetime | None = None, needs_attention: bool | None = None,
                  q: str | None = None, terminal: bool | None = None, limit: int = 100,
                  offset: int = 0, hrid: str | None = None) -> list[RequestView]:
    shape = (bool(hrid), bool(state), role, bool(patron), bool(symbol), since is not None,
             until is not None, needs_attention, bool(q), terminal)
    params = {"hrid": hrid, "states": state.split(",") if state else None, "patron": patron,
              "symbol": symbol.upper() if symbol else None, "since": since, "until": until,
              "q": f"%{q}%" if q else None, "limit": min(limit, 500), "offset": offset}
    with platform.db.reading(tenant_id) as session:
        rows = session.core(_list_statement(shape),
                            {k: v for k, v in params.items() if v is not None})
        return [request_view(session, r) for r in rows]


@functools.lru_cache(maxsize=512)
def _list_statement(shape: tuple[Any, ...]) -> Any:
    """The list query for one combination of filters, built once (values are parameters),
    so the hot long-poll and list calls skip building and caching a new statement."""
    hrid, state, role, patron, symbol, since, until, needs_attention, q, terminal = shape
    stmt = select(_PR)
    if hrid:
        stmt = stmt.where(_PR.c.hrid == bindparam("hrid"))
    if state:
        stmt = stmt.where(_PR.c.state.in_(bindparam("states", expanding=True)))
    if role:
        stmt = stmt.where(_PR.c.is_requester.is_(role == "requester"))
    if patron:
        stmt = stmt.where(_PR.c.patron_id == bindparam("patron"))
    if symbol:
        stmt = stmt.where(or_(_PR.c.requesting_symbol == bindparam("symbol"),
                              _PR.c.supplying_symbol == bindparam("symbol")))
    if since:
        stmt = stmt.where(_PR.c.created_at >= bindparam("since", type_=_PR.c.created_at.type))
    if until:
        stmt = stmt.where(_PR.c.created_at < bindparam("until", type_=_PR.c.created_at.type))
    if needs_attention is not None:
        stmt = stmt.where(_PR.c.needs_attention.is_(needs_attention))
    if q:
        stmt = stmt.where(_PR.c.title.ilike(bindparam("q")))
    if terminal is not None:
        codes = [c for c, i in STATES.items() if i.terminal]
        stmt = stmt.where(_PR.c.state.in_(codes) if terminal else _PR.c.state.not_in(codes))
    # newest first; by number, the few matches are sorted after the lookup (``id + 0`` is
    # not the primary key's order): otherwise PostgreSQL may walk the primary key backwards
    # looking for them, reading every request of the tenant (as it did with a plan made
    # while the table was small: the long polls' query)
    order = (_PR.c.id + 0).desc() if hrid else _PR.c.id.desc()
    return (stmt.order_by(order).limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer)))
