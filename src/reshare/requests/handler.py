"""The engine's handler for the ISO 18626 endpoint: wire messages in, outcomes out, and the
final delivery outcome of each message we sent."""

from __future__ import annotations

from typing import Any

from reshare.db import ScopedSession
from reshare.errors import Conflict
from reshare.platform import Platform
from reshare.requests import store
from reshare.requests.core import Ctx, audit
from reshare.requests.protocol import BAD_VALUE, Outcome, handle_envelope
from reshare.requests.store import RequestMessage


class Iso18626Handler:
    """What the ISO 18626 endpoint calls; converts wire messages to envelopes and back."""

    # a confirmed send changes nothing here: the message's delivery shows the outbox row's
    # status (see ``views``), so the outbox records it without a unit of work of ours
    hears_confirmed = False

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def handle(self, platform: Platform, session: ScopedSession, tenant_id: int,
               message: Any) -> Any:
        from reshare.requests import wire

        env = wire.from_iso(message)
        try:
            outcome = handle_envelope(platform, session, tenant_id, env)
        except Conflict as exc:
            outcome = Outcome.error(BAD_VALUE, exc.message)
        return wire.outcome_to_iso(outcome)

    def on_delivery(self, platform: Platform, session: ScopedSession, item: Any,
                    outcome: Any) -> None:
        from reshare.requests import wire

        ref = getattr(item, "request_ref", None)
        if not ref:
            return
        mine = wire.delivery_outcome(outcome)
        msg = session.scalars(store.select(RequestMessage).where(
            RequestMessage.outbox_id == getattr(item, "id", -1))).first()
        if msg is None:
            return
        msg.delivery = "OK" if mine.ok else "ERROR"
        if not mine.ok:
            req = store.get(session, msg.request_id)
            if req is not None:
                req.needs_attention = True
                ctx = Ctx(platform, session, session.tenant_id, actor="outbox")
                audit(ctx, req, "deliveryFailed", message=f"{msg.kind} to {msg.peer_symbol}: "
                      f"{mine.error_type} {mine.error_value}".strip())
