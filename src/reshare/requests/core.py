"""The unit of work of the engine: a context, applying a transition (audit row, attention flag,
follow-up events), and the registries actions and events plug into."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reshare.db import ScopedSession, utcnow
from reshare.errors import Conflict
from reshare.platform import Platform
from reshare.requests import statemodels
from reshare.requests.engine import NoTransition, StateModel, Step
from reshare.requests.store import PatronRequest, add_audit
from reshare.settings import service as settings_service


@dataclass
class Ctx:
    """Everything one use case needs: platform, the tenant's open unit of work, who acts."""

    platform: Platform
    session: ScopedSession
    tenant_id: int
    actor: str
    _settings: dict[str, str | None] | None = None
    notices: list[tuple[str, int]] = field(default_factory=list)
    prefetch: dict[Any, Any] = field(default_factory=dict)  # outside calls made before the txn

    def setting(self, key: str, default: str = "") -> str:
        if self._settings is None:
            self._settings = settings_service.get_values(self.session)
        value = self._settings.get(key)
        return default if value is None or value == "" else str(value)

    def setting_int(self, key: str, default: int) -> int:
        try:
            return int(self.setting(key, str(default)))
        except ValueError:
            return default

    def symbols(self, key: str) -> list[str]:
        return [s.strip().upper() for s in self.setting(key).split(",") if s.strip()]

    def now(self) -> dt.datetime:
        return utcnow()


# action name -> handler(ctx, request, params) -> qualifier (None = plain success)
Handler = Callable[[Ctx, PatronRequest, dict[str, Any]], "str | None"]
ACTIONS: dict[str, Handler] = {}
# state code -> follow-up run right after a request enters that state
ON_ENTER: dict[str, Callable[[Ctx, PatronRequest], None]] = {}
BULK_ALLOWED: set[str] = set()


def action(name: str, *, bulk: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ACTIONS[name] = fn
        if bulk:
            BULK_ALLOWED.add(name)
        return fn
    return register


def on_enter(*states: str) -> Callable[[Callable[[Ctx, PatronRequest], None]],
                                       Callable[[Ctx, PatronRequest], None]]:
    def register(fn: Callable[[Ctx, PatronRequest], None]) -> Callable[[Ctx, PatronRequest], None]:
        for s in states:
            ON_ENTER[s] = fn
        return fn
    return register


def model_of(req: PatronRequest) -> StateModel:
    return statemodels.MODELS[req.state_model]


def audit(ctx: Ctx, req: PatronRequest, trigger: str, *, from_state: str | None = None,
          to_state: str | None = None, qualifier: str | None = None, message: str = "",
          data: dict[str, Any] | None = None) -> None:
    if req.id is None:
        ctx.session.flush()  # a new request: its id first
    add_audit(ctx.session, {
        "request_id": req.id, "from_state": from_state or req.state,
        "to_state": to_state or req.state, "trigger": trigger, "qualifier": qualifier or "",
        "actor": ctx.actor, "message": message[:2000], "data": data or {},
        "rota_position": req.rota_position})


def apply_step(ctx: Ctx, req: PatronRequest, step: Step, *, message: str = "",
               data: dict[str, Any] | None = None) -> None:
    req.state = step.to_state
    req.previous_states = step.previous_states
    req.updated_at = utcnow()
    if step.changed:
        req.needs_attention = statemodels.state_info(step.to_state).needs_attention
    audit(ctx, req, step.transition.trigger, from_state=step.from_state, to_state=step.to_state,
          qualifier=step.transition.qualifier, message=message, data=data)
    # no flush here: the request's row is written once, at the next query or the commit
    if step.changed:
        _notice_for(ctx, req, step.from_state)
        follow_up = ON_ENTER.get(step.to_state)
        if follow_up is not None:
            follow_up(ctx, req)


def transition(ctx: Ctx, req: PatronRequest, trigger: str, qualifier: str | None = None, *,
               message: str = "", data: dict[str, Any] | None = None) -> Step:
    """Apply the row for ``trigger``/``qualifier``; raise Conflict when the model has none."""
    try:
        step = model_of(req).step(req.state, req.previous_states or {}, trigger, qualifier)
    except NoTransition as exc:
        raise Conflict(str(exc), code="no_transition",
                       details={"state": req.state, "trigger": trigger,
                                "qualifier": qualifier}) from exc
    apply_step(ctx, req, step, message=message, data=data)
    return step


_NOTICES = {
    "REQ_SUPPLIER_IDENTIFIED": "new_request", "REQ_END_OF_ROTA": "end_of_rota",
    "REQ_CANCELLED": "request_cancelled", "REQ_OVER_LIMIT": "over_limit",
    "REQ_DOCUMENT_DELIVERED": "document_delivered", "REQ_LOANED_DIGITALLY": "loaned_digitally",
    "REQ_CHECKED_IN": "delivered", "REQ_OVERDUE": "overdue",
}
_RENEWED = {"REQ_RENEW_PENDING"}  # back in circulation after a renewal: not a new delivery


def _notice_for(ctx: Ctx, req: PatronRequest, from_state: str) -> None:
    trigger = _NOTICES.get(req.state)
    if trigger and not (req.state == "REQ_CHECKED_IN" and from_state in _RENEWED):
        queue_notice(ctx, trigger, req)


def queue_notice(ctx: Ctx, trigger: str, req: PatronRequest, *, key: str | None = None) -> None:
    """Hand a notice to the notices capability when it is installed; remember it either way.
    ``key`` names an occurrence of a trigger that can repeat on one request (due soon)."""
    ctx.notices.append((trigger, req.id))
    try:
        from reshare.notices import service as notices  # type: ignore[attr-defined]
    except ImportError:
        return
    queue = getattr(notices, "queue", None)
    if queue is not None:
        if key is None:
            queue(ctx.session, trigger, req.id)
        else:
            queue(ctx.session, trigger, req.id, key=key)
