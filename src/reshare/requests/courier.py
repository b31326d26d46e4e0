"""Sending messages to the peer in the same transaction as the change that caused them.

With the ISO 18626 capability installed, messages go through its outbox
(``reshare.iso18626.outbox.enqueue``); otherwise, or when ``platform.extras["requests.courier"]``
is ``"local"``, they go into a local queue that is delivered in-process to the tenant of this
installation owning the peer symbol (``deliver_local``).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy import select

from reshare.platform import Platform
from reshare.requests.core import Ctx
from reshare.requests.messages import Envelope, with_seq
from reshare.requests.store import LocalMessage, PatronRequest, add_message

log = logging.getLogger("reshare.requests.courier")


def _iso_outbox() -> Any | None:
    try:
        return importlib.import_module("reshare.iso18626.outbox")
    except ImportError:
        return None


def uses_local(platform: Platform) -> bool:
    mode = platform.extras.get("requests.courier")
    if mode == "local":
        return True
    if mode == "iso18626":
        return False
    return _iso_outbox() is None


def send(ctx: Ctx, req: PatronRequest, env: Envelope, *, chat: bool = True) -> None:
    """Number the message (#seq), record it in the request's messages, queue it."""
    req.last_seq_sent += 1
    plain_note = env.note
    env.note = with_seq(env.note, req.last_seq_sent)
    if not req.is_requester:
        env.supplying_request_id = str(req.id)
    delivery = "queued"  # set to OK or ERROR when the local queue delivers it
    if uses_local(ctx.platform):
        _wake_after_commit(ctx)
        row = LocalMessage(peer_symbol=env.peer, payload=env.to_json())
        ctx.session.add(row)
        ctx.session.flush()
        queued = row.id
    else:
        delivery = OUTBOX  # the outbox row tells; only a failure is written here too
        from reshare.requests import wire

        outbox = _iso_outbox()
        assert outbox is not None
        # the request's row is locked (loaded FOR UPDATE, or new): its messages are ordered
        queued, seen_to = outbox.enqueue_and_send(
            ctx.platform, ctx.session, sender_symbol=env.sender, peer_symbol=env.peer,
            message=wire.to_iso(env), request_ref=str(req.id))
        if not seen_to:  # sent by the dispatcher, as soon as it is due
            _wake_after_commit(ctx)
    # recorded with its queue id at once (one INSERT, no UPDATE after it)
    add_message(ctx.session, {
        "request_id": req.id, "outbound": True, "peer_symbol": env.peer,
        "kind": env.reason or env.action or "Request", "status": env.status,
        "reason": env.reason_unfilled or env.loan_condition or env.answer, "note": plain_note,
        "seen": True, "delivery": delivery, "outbox_id": queued})


OUTBOX = "outbox"  # a message's delivery is its ISO 18626 outbox row's status


def deliveries(session: Any, rows: list[dict[str, Any]]) -> None:
    """Replace the ``outbox`` marker of message rows with OK, ERROR or queued, from the
    outbox rows (one query for all of them)."""
    ids = [r["outbox_id"] for r in rows if r.get("delivery") == OUTBOX and r.get("outbox_id")]
    outbox = _iso_outbox() if ids else None
    found = outbox.delivery_of(session, ids) if outbox is not None else {}
    for r in rows:
        if r.get("delivery") == OUTBOX:
            r["delivery"] = found.get(r.get("outbox_id"), "queued")


def _wake_after_commit(ctx: Ctx) -> None:
    """Once committed, make the dispatcher run now rather than at its next tick."""
    if ctx.session.info.get("requests.wake"):
        return
    ctx.session.info["requests.wake"] = True
    runner = ctx.platform.extras.get("job_runner")
    if runner is None:
        return
    job = "requests.local_delivery" if uses_local(ctx.platform) else "iso18626-outbox"
    ctx.session.after_commit(lambda: runner.wake(job))


def tenant_for_symbol(platform: Platform, symbol: str) -> int | None:
    """The tenant of this installation owning ``symbol`` (directory first, else local_symbols);
    answers are cached for a minute (symbols rarely move)."""
    import time

    cache: dict[str, tuple[float, int | None]] = platform.extras.setdefault(
        "requests.symbol_tenants", {})
    symbol = symbol.upper()
    hit = cache.get(symbol)
    if hit is not None and hit[1] is not None and time.monotonic() - hit[0] < 60:
        return hit[1]
    found = _lookup_tenant(platform, symbol)
    cache[symbol] = (time.monotonic(), found)
    return found


def _lookup_tenant(platform: Platform, symbol: str) -> int | None:
    from reshare.requests import adapters
    from reshare.settings.store import SettingValue

    found = adapters.tenant_for_symbol(platform, symbol)
    if found is not None:
        return found
    with platform.db.platform() as session:
        rows = session.scalars(select(SettingValue).where(SettingValue.key == "local_symbols"))
        for row in rows:
            values = [s.strip().upper() for s in (row.value or "").split(",")]
            if symbol in values:
                return int(row.tenant_id)
    return None


def deliver_local(platform: Platform, limit: int = 100) -> int:
    """Deliver queued loopback messages in order: each is applied in the receiving tenant's
    transaction, then its outcome is recorded on the sender's side in one more."""
    from reshare.requests import protocol

    with platform.db.platform() as session:
        pending = [(m.id, m.tenant_id, m.peer_symbol, m.payload) for m in session.scalars(
            select(LocalMessage).where(LocalMessage.delivered.is_(False))
            .order_by(LocalMessage.id).limit(limit))]
    for msg_id, sender_tenant, peer, payload in pending:
        env = Envelope.from_json(payload)
        target = tenant_for_symbol(platform, peer)
        if target is None:
            outcome = protocol.Outcome.error("UnrecognisedDataValue",
                                             f"no library here has the symbol {peer}")
        else:
            outcome = protocol.receive(platform, target, env)
        protocol.delivered(platform, sender_tenant, msg_id, outcome, env, local=True)
    return len(pending)
