"""The transactional outbox: :func:`enqueue` writes a message in the caller's unit of work;
:func:`drain` claims what is due and hands it to :mod:`reshare.iso18626.delivery`.

Claiming is a short transaction that marks rows ``sending`` with a lease and a claim token
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so parallel workers never claim the same row; on
SQLite writers are serialised). The HTTP post happens outside any transaction. A worker that
dies after posting leaves the row ``sending``; when the lease runs out it is sent again, and
the receiver's duplicate detection applies it once. Per request (tenant + ``request_ref``) a
message is due only when every earlier one is finished, so messages go out in order.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    exists,
    insert,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from reshare.db import ScopedSession, engine_of, scope_criterion, utcnow
from reshare.iso18626 import codec, conventions
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import OutboxItemView
from reshare.iso18626.store import OPEN_STATUSES, OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from reshare.platform import Platform

log = logging.getLogger("reshare.iso18626.outbox")
LEASE_SECONDS = 300  # longer than any HTTP timeout we use (capped in delivery)


def _note(message: m.InitiatingMessage) -> str | None:
    if isinstance(message, m.RequestingAgencyMessage):
        return message.note
    if isinstance(message, m.SupplyingAgencyMessage):
        return message.message_info.note
    return message.service_info.note if message.service_info else None


def enqueue(session: ScopedSession, *, sender_symbol: str, peer_symbol: str,
            message: m.InitiatingMessage, request_ref: str, peer_url: str | None = None) -> int:
    """Queue ``message`` for ``peer_symbol`` in the caller's transaction; returns its id.

    The message is validated against the XSD now (an invalid message is a bug and raises
    :class:`~reshare.iso18626.codec.Iso18626ValidationError` before anything is stored).
    """
    values = _values(sender_symbol, peer_symbol, message, request_ref, peer_url)
    result = session.core(_ADD, {**values, "status": OutboxStatus.PENDING.value})
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _values(sender_symbol: str, peer_symbol: str, message: m.InitiatingMessage,
            request_ref: str, peer_url: str | None) -> dict[str, Any]:
    """A new outbox row's columns (the message serialised, so validated, here)."""
    if not request_ref:
        raise ValueError("request_ref is required: messages of one request go out in order")
    return {"request_ref": request_ref[:128], "element": message.ELEMENT,
            "sender_symbol": sender_symbol.strip().upper(),
            "peer_symbol": peer_symbol.strip().upper(), "peer_url": peer_url,
            "body": codec.serialize(message).decode(),
            "seq": conventions.split_seq(_note(message))[1],
            "attempts": 0, "next_attempt_at": utcnow()}


_ADD = insert(OutboxMessage)


def enqueue_and_send(platform: Platform, session: ScopedSession, *, sender_symbol: str,
                     peer_symbol: str, message: m.InitiatingMessage, request_ref: str,
                     peer_url: str | None = None) -> tuple[int, bool]:
    """:func:`enqueue`, and when this process sends messages itself (its dispatcher runs and
    has parallel senders), send it as soon as the caller's transaction commits: the row is
    written already claimed (``sending``, with a lease and a claim token) unless an earlier
    message of the same request is unfinished, so no claim is needed. Such a later message
    is left to this process's dispatcher, woken when the earlier one is finished (at once
    when that one is not being sent by this process after its commit). Returns (id, whether
    this process sees to the sending); otherwise the caller wakes the dispatcher.

    The caller must hold a lock ordering its request's messages (the request engine locks
    the request's row): two transactions that each found no unfinished message could
    otherwise send concurrently, out of order. A process that dies before sending leaves the
    row ``sending``: it is sent when the lease runs out, like a send cut short.
    """
    runner = platform.extras.get("job_runner")
    if runner is None or _senders(platform, 2) is None:
        queued = enqueue(session, sender_symbol=sender_symbol, peer_symbol=peer_symbol,
                         message=message, request_ref=request_ref, peer_url=peer_url)
        if runner is None:
            _announce(session)
        return queued, False
    values = _values(sender_symbol, peer_symbol, message, request_ref, peer_url)
    token = uuid.uuid4().hex
    row = session.core(_ADD_CLAIMED, {
        **values, "ref": values["request_ref"], "token": token,
        "lease": values["next_attempt_at"] + dt.timedelta(seconds=LEASE_SECONDS)}).one()
    ref = (int(row.tenant_id), str(row.request_ref))
    if row.status != OutboxStatus.SENDING.value:
        def note_waiting() -> None:  # after the commit, and after an earlier message's
            sending = _sending(platform)  # hand-over in the same transaction
            with sending.lock:
                if ref in sending.refs:  # sent by this process now: its end wakes the
                    sending.blocked.add(ref)  # dispatcher for this one
                    return
            runner.wake("iso18626-outbox")  # the earlier one is done, or the dispatcher's
        session.after_commit(note_waiting)
        return int(row.id), True
    item = Claimed.of(row)
    pool = _senders(platform, 2)
    assert pool is not None

    def send_after_commit() -> None:
        sending = _sending(platform)
        with sending.lock:
            sending.refs.add(ref)
        try:
            pool.submit(_send_claimed, platform, item, token, ref)
        except RuntimeError:  # the process is shutting down: the dispatcher takes it over
            with sending.lock:
                sending.refs.discard(ref)
            try:
                _release(platform, item, token)
            except Exception:  # the change is committed: never fail it now; the lease
                log.exception("outbox %s: could not hand it back; sent when its lease "
                              "runs out", item.id)

    session.after_commit(send_after_commit)
    return int(row.id), True


WAKE_TOPIC = "outbox"


def _announce(session: ScopedSession) -> None:
    """No dispatcher runs in this process: tell the workers' (PostgreSQL ``NOTIFY``, sent
    when the transaction commits; once per transaction). Without the change feed they find
    the message at their next look (every 0.5 s)."""
    from reshare.changefeed import feed_for

    if session.info.get("iso18626.announced"):
        return
    feed = feed_for(engine_of(session))
    if feed is not None:
        session.info["iso18626.announced"] = True
        feed.announce(session, WAKE_TOPIC, session.tenant_id)


def _release(platform: Platform, item: Claimed, token: str) -> None:
    with platform.db.statement(item.tenant_id) as session:
        session.core(_RELEASE, {"row_id": item.id, "token": token})
    log.info("outbox %s: not sent by this process (shutting down); left to the dispatcher",
             item.id)


_RELEASE = (update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("row_id"),
                   OutboxMessage.claim_token == bindparam("token"))
            .values(status=OutboxStatus.PENDING.value, claim_token=None, lease_until=None))


@dataclass
class _Sending:
    """The requests whose message this process is sending after its commit (``refs``), and
    those of them with a later message waiting for it (``blocked``): when the send ends,
    the dispatcher is woken for the waiting one at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    refs: set[tuple[int, str]] = field(default_factory=set)
    blocked: set[tuple[int, str]] = field(default_factory=set)


def _sending(platform: Platform) -> _Sending:
    return platform.extras.setdefault("iso18626.sending", _Sending())  # type: ignore[no-any-return]


def _send_claimed(platform: Platform, item: Claimed, token: str, ref: tuple[int, str]) -> None:
    from reshare.iso18626 import delivery

    try:
        delivery.deliver(platform, item, token, delivery.targets(platform, [item]),
                         now=utcnow())
    except Exception:  # the row stays claimed: the lease brings it back
        log.exception("outbox %s: sending it after its commit failed", item.id)
    finally:
        sending = _sending(platform)
        with sending.lock:
            sending.refs.discard(ref)
            waiting = ref in sending.blocked
            sending.blocked.discard(ref)
        runner = platform.extras.get("job_runner")
        if waiting and runner is not None:  # its next message is due now
            runner.wake("iso18626-outbox")


def _build_add_claimed():  # type: ignore[no-untyped-def]
    t = OutboxMessage.__table__
    earlier = t.alias("earlier")
    unfinished = exists().where(
        earlier.c.request_ref == bindparam("ref"),
        earlier.c.status.in_(_OPEN_SQL),
        scope_criterion(earlier))
    return (insert(t).values(
        status=case((unfinished, OutboxStatus.PENDING.value), else_=OutboxStatus.SENDING.value),
        claim_token=case((unfinished, null()), else_=bindparam("token")),
        lease_until=case((unfinished, null()), else_=bindparam("lease", type_=t.c.lease_until.type)),
    ).returning(*t.c))


def view(row: OutboxMessage) -> OutboxItemView:
    return OutboxItemView(
        id=row.id, request_ref=row.request_ref, element=row.element,
        sender_symbol=row.sender_symbol, peer_symbol=row.peer_symbol, status=row.status,
        attempts=row.attempts, seq=row.seq, last_error=row.last_error,
        error_type=row.error_type, error_value=row.error_value, created_at=row.created_at,
        finished_at=row.finished_at)


def items_for(session: ScopedSession, request_ref: str | None = None, *,
              status: str | None = None, limit: int = 100) -> list[OutboxItemView]:
    """Outgoing messages of this tenant (of one request, or all), newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if request_ref is not None:
        query = query.where(OutboxMessage.request_ref == request_ref)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return [view(r) for r in session.scalars(query)]


# the unfinished statuses as SQL literals: PostgreSQL uses the partial index of unfinished
# rows only when it can see, in a plan made once for all parameter values, that the query
# wants no others
_OPEN_SQL: tuple[Any, ...] = tuple(literal_column(f"'{status}'") for status in OPEN_STATUSES)
_DELIVERY = {OutboxStatus.DELIVERED.value: "OK", OutboxStatus.REJECTED.value: "ERROR",
             OutboxStatus.FAILED.value: "ERROR"}


def delivery_of(session: ScopedSession, ids: list[int]) -> dict[int, str]:
    """How messages ``ids`` (of this tenant) ended: OK, ERROR, or queued while unfinished."""
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.status)
                           .where(OutboxMessage.id.in_(ids)))
    return {i: _DELIVERY.get(status, "queued") for i, status in rows}


def _build_claim():  # type: ignore[no-untyped-def]
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.tenant_id == OutboxMessage.tenant_id,
        earlier.request_ref == OutboxMessage.request_ref,
        earlier.id < OutboxMessage.id,
        earlier.status.in_(_OPEN_SQL),
    )
    now = bindparam("now", type_=OutboxMessage.__table__.c.next_attempt_at.type)
    pending, sending = _OPEN_SQL
    due = or_(
        and_(OutboxMessage.status == pending, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == sending, OutboxMessage.lease_until < now),
    )
    # the partial index's own predicate, word for word: SQLite uses a partial index only for
    # a query that has it as one of its AND-ed terms
    unfinished = OutboxMessage.status.in_([pending, sending])
    due_ids = (select(OutboxMessage.id).where(unfinished, due, ~blocked)
               .order_by(OutboxMessage.id)
               .limit(bindparam("limit", type_=Integer))
               .with_for_update(skip_locked=True, of=OutboxMessage))
    # one statement: the due rows (locked, skipping rows another worker is claiming) are
    # marked ours and returned as they now are
    return (update(OutboxMessage).where(OutboxMessage.id.in_(due_ids))
            .values(status=OutboxStatus.SENDING.value, lease_until=bindparam("lease"),
                    claim_token=bindparam("token"))
            .returning(*OutboxMessage.__table__.c))


_CLAIM = _build_claim()
_ADD_CLAIMED = _build_add_claimed()  # built once: the dispatcher runs it many times a second


@dataclass(frozen=True)
class Claimed:
    """A message claimed for sending: what delivery needs, read in the claiming transaction.
    ``row`` is the whole row as claimed: delivery computes the result from it and saves it
    only while the claim is still ours (the row cannot change while we hold the lease)."""

    id: int
    tenant_id: int
    peer_symbol: str
    peer_url: str | None
    body: str
    seq: int | None
    probe_next: bool
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, row: Any) -> Claimed:
        """From an outbox row as a claiming statement returned it."""
        return cls(row.id, row.tenant_id, row.peer_symbol, row.peer_url, row.body, row.seq,
                   bool(row.probe_next), dict(row._mapping))


def claim(platform: Platform, *, limit: int, now: dt.datetime, token: str) -> list[Claimed]:
    """Mark up to ``limit`` due messages as ours, oldest first. At most one message of a
    request is due at a time, so the claimed messages may be sent in parallel."""
    with platform.db.statement() as session:  # one statement: atomic by itself
        rows = session.core(_CLAIM, {"now": now, "limit": limit, "token": token,
                                     "lease": now + dt.timedelta(seconds=LEASE_SECONDS)}).all()
    rows.sort(key=lambda r: r.id)  # RETURNING promises no order
    return [Claimed.of(r) for r in rows]


def _senders(platform: Platform, wanted: int) -> ThreadPoolExecutor | None:
    """The pool sending in parallel, or None when one message at a time will do."""
    size = max(1, platform.settings.outbox_senders)
    if min(wanted, size) <= 1:
        return None
    pool = platform.extras.get("iso18626.senders")
    if pool is None:
        pool = platform.extras.setdefault(
            "iso18626.senders", ThreadPoolExecutor(size, thread_name_prefix="iso18626-send"))
    return pool  # type: ignore[no-any-return]


def drain(platform: Platform, limit: int = 20, *, now: dt.datetime | None = None) -> int:
    """Deliver up to ``limit`` due messages; returns how many were attempted.

    Messages of different requests are sent in parallel (``outbox_senders`` at once); the
    first error of a batch is raised after every message of the batch had its turn.
    ``now`` lets tests and tools act as if time had passed (retries, expired leases).
    """
    from reshare.iso18626 import delivery

    now = now or utcnow()
    token = uuid.uuid4().hex
    claimed = claim(platform, limit=limit, now=now, token=token)
    if not claimed:
        return 0
    targets = delivery.targets(platform, claimed)
    pool = _senders(platform, len(claimed))
    if pool is None:
        for item in claimed:
            delivery.deliver(platform, item, token, targets, now=now)
        return len(claimed)
    futures = [pool.submit(delivery.deliver, platform, item, token, targets, now=now)
               for item in claimed]
    errors = [f.exception() for f in futures]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
    return len(claimed)


def pump(platform: Platform, *, limit: int = 20,
         wakes: Callable[[], int] | None = None) -> int:
    """Send due messages until none is due or in flight, keeping every sender busy.

    Unlike :func:`drain`, which sends a batch and waits for all of it, a sender that
    finishes takes the next due message at once: a message queued meanwhile does not wait
    for the slowest send of a batch. It looks for due messages again when the last look
    filled every sender, when ``wakes`` (a counter of "new messages queued" signals) has
    moved, and before it returns if sends finished since its last look (a request's next
    message is due only once its previous one is finished); without ``wakes``, after every
    finished send. Returns how many messages were attempted; errors are logged, as the dispatcher does.
    """
    from reshare.iso18626 import delivery

    size = max(1, min(limit, platform.settings.outbox_senders))
    pool = _senders(platform, size)
    if pool is None:
        return drain(platform, limit)
    in_flight: set[Future[None]] = set()
    attempted, look, seen = 0, True, wakes() if wakes else 0
    finished = False  # a send finished since the last look
    while True:
        free = size - len(in_flight)
        if free and look:
            finished = False
            seen = wakes() if wakes else 0
            now = utcnow()
            token = uuid.uuid4().hex
            claimed = claim(platform, limit=free, now=now, token=token)
            if claimed:
                found = delivery.targets(platform, claimed)
                in_flight |= {pool.submit(delivery.deliver, platform, item, token, found,
                                          now=now) for item in claimed}
                attempted += len(claimed)
            look = len(claimed) == free  # full: more may be due
        if not in_flight:
            if finished:
                look = True
                continue
            return attempted
        done, pending = wait(in_flight, timeout=0.05, return_when=FIRST_COMPLETED)
        in_flight = set(pending)
        finished = finished or bool(done)
        for future in done:
            error = future.exception()
            if error is not None:
                log.error("outbox: a send failed", exc_info=error)
        look = look or (wakes() != seen if wakes is not None else bool(done))
