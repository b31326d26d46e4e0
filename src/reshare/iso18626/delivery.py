"""Delivering one claimed outbox message and recording what happened.

Rules (ReShare's, with its known defects fixed): an OK confirmation delivers; an ERROR
confirmation is *not* delivered, it is final, recorded and reported to the handler; a
failure is retried after ``network_retry_period`` minutes × ⌊(attempts + 5) / 6⌋ until
``network_maximum_send_attempts`` sends have failed; a timeout (the peer may have applied the
message) is followed by a ``#lastSeq:N#`` probe when the message carries ``#seq:N#``: an OK
with errorData ``NoError`` proves arrival, anything else resends the message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
import re
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, update

from reshare.db import utcnow
from reshare.iso18626 import codec, conventions, protocol_log
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import DeliveryOutcome, DeliveryResult, handler_for
from reshare.iso18626.outbox import Claimed, view
from reshare.iso18626.routing import PeerAddress, peer_address
from reshare.iso18626.store import OutboxMessage, OutboxStatus
from reshare.iso18626.transport import SendKind, SendResult, send, transport_for
from reshare.platform import Platform
from reshare.settings import service as settings_service

log = logging.getLogger("reshare.iso18626.outbox")
MAX_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class _Policy:
    timeout: float
    max_attempts: int
    retry_minutes: int

    def backoff(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(minutes=self.retry_minutes * ((attempts + 5) // 6))


def _policy(values: dict[str, str | None]) -> _Policy:
    return _Policy(
        timeout=min(float(values.get("network_timeout_period") or 30), MAX_TIMEOUT_SECONDS),
        max_attempts=max(1, int(values.get("network_maximum_send_attempts") or 3)),
        retry_minutes=max(0, int(values.get("network_retry_period") or 10)),
    )


def probe_for(original: m.InitiatingMessage, seq: int, now: dt.datetime) -> m.InitiatingMessage:
    """The ``#lastSeq`` probe for ``original``: a RAM StatusRequest from a requester, a SAM
    StatusChange (repeating the status, which v1.2 requires) from a supplier."""
    header = dataclasses.replace(original.header, timestamp=now.replace(microsecond=0))
    note = conventions.last_seq_note(seq)
    if isinstance(original, m.SupplyingAgencyMessage):
        status = dataclasses.replace(original.status_info, last_change=header.timestamp)
        info = m.MessageInfo(reason_for_message=m.ReasonForMessage.STATUS_CHANGE, note=note)
        return m.SupplyingAgencyMessage(header=header, message_info=info, status_info=status)
    return m.RequestingAgencyMessage(header=header, action=m.Action.STATUS_REQUEST, note=note)


@dataclass(frozen=True)
class Target:
    policy: _Policy
    address: PeerAddress


TARGET_CACHE_SECONDS = 10.0


def targets(platform: Platform, claimed: list[Claimed]) -> dict[tuple[int, str], Target]:
    """Each sender's retry policy and each peer's address, read once per tenant in a batch
    and then remembered for ``TARGET_CACHE_SECONDS`` (a busy dispatcher sends to the same
    peers many times a second; an edited address is used within seconds)."""
    cache: dict[tuple[int, str], tuple[float, Target]] = platform.extras.setdefault(
        "iso18626.targets", {})
    now = time.monotonic()
    found = {key: hit[1] for key in {(c.tenant_id, c.peer_symbol) for c in claimed}
             if (hit := cache.get(key)) is not None and now - hit[0] < TARGET_CACHE_SECONDS}
    missing = {(c.tenant_id, c.peer_symbol) for c in claimed} - found.keys()
    for tenant_id in sorted({t for t, _ in missing}):
        with platform.db.reading(tenant_id) as session:
            policy = _policy(settings_service.get_values(session))
            for peer in sorted({p for t, p in missing if t == tenant_id}):
                target = found[(tenant_id, peer)] = Target(policy, peer_address(session, peer))
                cache[(tenant_id, peer)] = (now, target)
    return found


def deliver(platform: Platform, item: Claimed, token: str,
            found: dict[tuple[int, str], Target], *, now: dt.datetime) -> None:
    target = found[(item.tenant_id, item.peer_symbol)]
    policy, address = target.policy, target.address
    url = item.peer_url or address.url
    probing = item.probe_next and item.seq is not None
    payload = item.body.encode()
    if probing:
        original = codec.parse(payload)
        assert isinstance(original, m.InitiatingMessage)
        payload = codec.serialize(probe_for(original, item.seq or 0, now))
    if not url:
        result = SendResult(SendKind.FAILURE, error=f"NoAddress: no ISO 18626 address for "
                                                    f"{item.peer_symbol} (directory or "
                                                    "iso18626_gateway_address)")
        _record(platform, item, token, result, payload, probing, policy, now, final=True)
        return
    result = send(transport_for(platform), url, payload, timeout=policy.timeout,
                  extra_headers=address.headers if not item.peer_url else None)
    _record(platform, item, token, result, payload, probing, policy, now)


def _record(platform: Platform, item: Claimed, token: str, result: SendResult,
            payload: bytes, probing: bool, policy: _Policy, now: dt.datetime, *,
            final: bool = False) -> None:
    """Record a send's result, and tell the handler the final outcome in the same unit of
    work. A failing handler must not undo the record of the send (that would resend the
    message): its unit of work is rolled back, the handler's changes with it, and the
    result is recorded again without it. No savepoint on the usual path: it would cost
    two more statements on every send."""
    try:
        _record_unit(platform, item, token, result, payload, probing, policy, now,
                     final=final, tell=True)
    except _HandlerFailed as failed:
        log.error("outbox %s: on_delivery failed; the outcome stays recorded", item.id,
                  exc_info=failed.__cause__)
        _record_unit(platform, item, token, result, payload, probing, policy, now,
                     final=final, tell=False)


class _HandlerFailed(Exception):
    """The delivery handler raised: the unit of work is undone and recorded again."""


def _record_unit(platform: Platform, item: Claimed, token: str, result: SendResult,
                 payload: bytes, probing: bool, policy: _Policy, now: dt.datetime, *,
                 final: bool, tell: bool) -> None:
    # the row as claimed: while the claim is ours nobody else changes it, so the result is
    # computed from it and saved only if the claim token is still ours (one statement)
    row: Any = SimpleNamespace(**item.row)
    outcome = _apply_result(row, result, probing, policy, now, final=final)
    if not tell and outcome is not None:
        row.last_error = f"{row.last_error or ''} (on_delivery failed)".strip()
    tell = tell and outcome is not None and _wanted(platform, outcome)
    values = {"row_id": row.id, "token": token, **{f"new_{c}": getattr(row, c) for c in _RESULT}}
    if not tell:
        # the usual send (confirmed, nothing for the handler): unless the tenant keeps a
        # protocol log, the result is the only write, so it needs no transaction of its
        # own (autocommit on PostgreSQL; the setting is read from memory there)
        with platform.db.statement(item.tenant_id) as session:
            if not protocol_log.enabled(session):
                _save(session, values, item.id)
                return
    with platform.db.tenant(item.tenant_id) as session:
        if not _save(session, values, item.id):
            return
        protocol_log.record(session, direction="out", element="probe" if probing else row.element,
               request_id=_request_id(payload), peer_symbol=row.peer_symbol,
               body=payload.decode(), confirmation=result.raw.decode("utf-8", "replace"),
               message_status=_status_text(result), http_status=result.http_status,
               detail=row.last_error or result.kind.value)
        if tell:
            assert outcome is not None
            try:
                handler_for(platform).on_delivery(platform, session, view(row), outcome)
            except Exception as error:
                raise _HandlerFailed() from error


def _save(session: Any, values: dict[str, Any], item_id: int) -> bool:
    saved = session.core(_SAVE, values)
    if saved.rowcount != 1:  # our lease ran out and another worker took the message over
        log.warning("outbox %s: result of a stale claim ignored", item_id)
        return False
    return True


def _wanted(platform: Platform, outcome: DeliveryOutcome) -> bool:
    """Whether the handler hears this outcome: every failure; a confirmed delivery unless
    the handler says it has nothing to do then (``hears_confirmed = False``)."""
    if outcome.result != DeliveryResult.CONFIRMED:
        return True
    return bool(getattr(handler_for(platform), "hears_confirmed", True))


# Core, not the ORM: recording a send's result is among the most frequent writes
_T: Any = OutboxMessage.__table__
_RESULT = ("status", "attempts", "probe_next", "next_attempt_at", "lease_until", "claim_token",
           "last_error", "error_type", "error_value", "confirmation", "finished_at")
_SAVE = (update(_T).where(_T.c.id == bindparam("row_id"), _T.c.claim_token == bindparam("token"))
         .values({c: bindparam(f"new_{c}", type_=_T.c[c].type) for c in _RESULT}))


_REQUEST_ID = re.compile(rb"<ill:requestingAgencyRequestId>([^<]*)<")


def _request_id(payload: bytes) -> str:
    """From XML we serialised ourselves (fixed prefix), without parsing it again."""
    found = _REQUEST_ID.search(payload)
    return html.unescape(found.group(1).decode()) if found else ""


def _status_text(result: SendResult) -> str:
    if result.confirmation is not None:
        return result.confirmation.confirmation_header.message_status.value
    return result.kind.value.upper()


def _finish(row: Any, status: OutboxStatus, now: dt.datetime) -> None:
    row.status = status.value
    row.finished_at = utcnow()
    row.lease_until = None
    row.claim_token = None


def _apply_result(row: Any, result: SendResult, probing: bool, policy: _Policy,
                  now: dt.datetime, *, final: bool) -> DeliveryOutcome | None:
    conf = result.confirmation
    if probing and result.kind != SendKind.TIMEOUT:
        row.probe_next = False
        if conf is not None and conventions.probe_succeeded(conf):
            row.confirmation = result.raw.decode("utf-8", "replace")
            row.last_error = "confirmed by #lastSeq probe"
            _finish(row, OutboxStatus.DELIVERED, now)
            return DeliveryOutcome(DeliveryResult.CONFIRMED, conf, detail=row.last_error)
        row.status, row.next_attempt_at = OutboxStatus.PENDING.value, now  # resend at once
        row.last_error = "probe: the peer did not get the message; resending"
        row.claim_token = None
        return None
    if conf is not None:
        row.confirmation = result.raw.decode("utf-8", "replace")
        error = conf.error_data
        row.error_type = error.error_type.value if error else None
        row.error_value = error.error_value if error else None
        if conf.confirmation_header.message_status == m.MessageStatus.OK:
            _finish(row, OutboxStatus.DELIVERED, now)
            return DeliveryOutcome(DeliveryResult.CONFIRMED, conf)
        row.last_error = f"ERROR confirmation: {row.error_type}: {row.error_value}"
        _finish(row, OutboxStatus.REJECTED, now)
        return DeliveryOutcome(DeliveryResult.ERROR_CONFIRMATION, conf, row.error_type,
                               row.error_value, row.last_error)
    row.attempts += 1
    row.last_error = result.error
    if final or row.attempts >= policy.max_attempts:
        row.last_error = (f"{result.error}; gave up after {row.attempts} attempt(s)"
                          if not final else result.error)
        _finish(row, OutboxStatus.FAILED, now)
        return DeliveryOutcome(DeliveryResult.GAVE_UP, detail=row.last_error)
    row.status = OutboxStatus.PENDING.value
    row.claim_token = None
    row.probe_next = result.kind == SendKind.TIMEOUT and row.seq is not None
    row.next_attempt_at = now + policy.backoff(row.attempts)
    return None
