"""Receiving one message: parse safely, route to the tenant, answer ``#lastSeq`` probes,
apply once (duplicates get the stored confirmation), confirm synchronously, log.

Never raises for bad input: every outcome is a confirmation (HTTP 200, or 4xx with an ERROR
confirmation body when the input is not an ISO 18626 message at all). An ERROR outcome rolls
the tenant's unit of work back, so nothing changes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError

from reshare.db import ScopedSession
from reshare.iso18626 import codec, conventions
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import HandlingOutcome, error_type_of, handler_for
from reshare.iso18626.protocol_log import record
from reshare.iso18626.routing import tenant_for_symbol
from reshare.iso18626.store import ReceivedMessage
from reshare.iso18626.xmlsafe import MAX_MESSAGE_BYTES
from reshare.platform import Platform

log = logging.getLogger("reshare.iso18626")
E = m.ErrorType


@dataclass(frozen=True)
class Answer:
    http_status: int
    body: bytes
    tenant_id: int | None = None


class _Rejected(Exception):
    def __init__(self, error: m.ErrorData) -> None:
        self.error = error


def receive(platform: Platform, data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Answer:
    try:
        parsed = codec.parse_document(data, max_bytes=max_bytes)
    except codec.Iso18626ParseError as exc:
        conf = m.confirm(None, element=exc.element, header=exc.header,
                         error=m.ErrorData(exc.error_type, exc.error_value))
        status = 200 if exc.element else (413 if "limit is" in exc.error_value else 400)
        return _answer_unparsed(platform, data, conf, status, exc)
    message = parsed.message
    if not isinstance(message, m.InitiatingMessage):
        conf = m.confirm(None, error=m.ErrorData(
            E.BADLY_FORMED_MESSAGE, f"{message.ELEMENT}: a confirmation answers a message on "
                                    "the same connection; it cannot be posted on its own"))
        return Answer(400, codec.serialize(conf))
    recipient = m.recipient(message)
    tenant_id = tenant_for_symbol(platform, recipient.symbol)
    if tenant_id is None:
        field = ("requestingAgencyId" if isinstance(message, m.SupplyingAgencyMessage)
                 else "supplyingAgencyId")
        conf = m.confirm(message, error=m.ErrorData(
            E.UNRECOGNISED_DATA_VALUE,
            f"{field}: no library on this node has the symbol {recipient.symbol}"))
        return Answer(200, codec.serialize(conf))
    body, detail, logged = _apply(platform, tenant_id, message, data)
    if not logged:
        _log(platform, tenant_id, data, body, message, detail)
    return Answer(200, body, tenant_id)


def _answer_unparsed(platform: Platform, data: bytes, conf: m.Confirmation, status: int,
                     exc: codec.Iso18626ParseError) -> Answer:
    body = codec.serialize(conf)
    tenant_id = None
    if exc.header is not None:
        target = (exc.header.requesting_agency_id if exc.element == "supplyingAgencyMessage"
                  else exc.header.supplying_agency_id)
        tenant_id = tenant_for_symbol(platform, target.symbol)
        if tenant_id is not None:
            with platform.db.tenant(tenant_id) as session:
                record(session, direction="in", element=exc.element or "",
                       request_id=exc.header.requesting_agency_request_id,
                       peer_symbol=(exc.header.supplying_agency_id.symbol
                                    if exc.element == "supplyingAgencyMessage"
                                    else exc.header.requesting_agency_id.symbol),
                       body=data.decode("utf-8", "replace"), confirmation=body.decode(),
                       message_status="ERROR", detail=exc.error_value)
    return Answer(status, body, tenant_id)


def _note(message: m.InitiatingMessage) -> str | None:
    if isinstance(message, m.RequestingAgencyMessage):
        return message.note
    if isinstance(message, m.SupplyingAgencyMessage):
        return message.message_info.note
    return message.service_info.note if message.service_info else None


def fingerprint(message: m.InitiatingMessage, seq: int | None) -> str:
    """Identity of a message for duplicate detection: ReShare's ``#seq`` when present (a
    resend keeps it), else the canonical bytes of the whole message."""
    sender = m.sender(message).symbol.upper()
    request_id = message.header.requesting_agency_request_id
    if seq is not None:
        key = f"{message.ELEMENT}|{sender}|{request_id}|seq:{seq}".encode()
    else:
        key = codec.serialize(message)
    return hashlib.sha256(key).hexdigest()


# Core, not the ORM: every incoming message runs these
_R: Any = ReceivedMessage.__table__
_OF_REQUEST = (_R.c.sender_symbol == bindparam("sender"),
               _R.c.request_id == bindparam("request_id"))
_LAST_SEQ = select(func.max(_R.c.seq)).where(*_OF_REQUEST)
# one look at what this request's sender sent before: the highest sequence, and the stored
# confirmation if this very message was applied already (a message's fingerprint covers its
# sender and request id, so a repeat is among these rows)
_SEEN = select(func.max(_R.c.seq), func.max(
    case((_R.c.fingerprint == bindparam("fingerprint"), _R.c.confirmation)))).where(*_OF_REQUEST)
_ADD = insert(_R).inline()  # no RETURNING: the id is not needed


def _last_seq(session: ScopedSession, sender: str, request_id: str) -> int | None:
    value = session.core(_LAST_SEQ, {"sender": sender, "request_id": request_id},
                         autoflush=False).scalar()  # received rows are written with Core only
    return int(value) if value is not None else None


def _apply(platform: Platform, tenant_id: int, message: m.InitiatingMessage, data: bytes
           ) -> tuple[bytes, str, bool]:
    """(confirmation, what happened, whether it is already in the protocol log)."""
    sender = m.sender(message).symbol.upper()
    request_id = message.header.requesting_agency_request_id
    note = _note(message)
    probed = conventions.probed_seq(note)
    if probed is not None and not isinstance(message, m.Request):
        with platform.db.tenant(tenant_id) as session:
            ok, error = conventions.probe_answer(probed, _last_seq(session, sender, request_id))
        conf = m.confirm(message, error=error, ok=ok)
        return (codec.serialize(conf), f"#lastSeq:{probed}# probe answered {error.error_value}",
                False)
    seq = conventions.split_seq(note)[1]
    key = fingerprint(message, seq)
    try:
        return _apply_once(platform, tenant_id, message, key, seq, data)
    except (IntegrityError, _Rejected) as failed:
        # the same message was applied meanwhile (the unique index refused this copy), or a
        # repeat waited for the first copy and then found the request moved on: either way
        # it gets the first copy's answer, when there is one
        stored = _stored(platform, tenant_id, key)
        if stored is not None:
            return stored, "duplicate: applied once already; same answer", False
        if isinstance(failed, _Rejected):
            conf = m.confirm(message, error=failed.error)
            return codec.serialize(conf), f"rejected: {failed.error.error_value}", False
        busy = conventions.error_value("UnableToProcess",
                                       "the same message is being processed; send it again")
        conf = m.confirm(message, error=m.ErrorData(E.UNRECOGNISED_DATA_VALUE, busy))
        return codec.serialize(conf), "concurrent duplicate not applied; retry asked", False


def _stored(platform: Platform, tenant_id: int, key: str) -> bytes | None:
    with platform.db.tenant(tenant_id) as session:
        row = session.scalars(select(ReceivedMessage).where(
            ReceivedMessage.fingerprint == key)).first()
        return row.confirmation.encode() if row is not None else None


def _apply_once(platform: Platform, tenant_id: int, message: m.InitiatingMessage, key: str,
                seq: int | None, data: bytes) -> tuple[bytes, str, bool]:
    sender = m.sender(message).symbol.upper()
    request_id = message.header.requesting_agency_request_id
    with platform.db.tenant(tenant_id) as session:
        # one look first (a repeat is answered from the stored confirmation); the message is
        # recorded with its confirmation after it is applied, in the same transaction: a
        # repeat applied concurrently fails on the fingerprint's unique index there and its
        # whole transaction is undone
        last, stored = session.core(_SEEN, {"sender": sender, "request_id": request_id,
                                            "fingerprint": key}, autoflush=False).one()
        if stored:
            return stored.encode(), "duplicate: applied once already; same answer", False
        out_of_order = seq is not None and last is not None and seq < last
        outcome = _handle(platform, session, tenant_id, message)
        if not outcome.ok:
            raise _Rejected(m.ErrorData(error_type_of(outcome.error_type),
                                        outcome.error_value or None))
        conf = replace(m.confirm(message), **getattr(outcome, "confirmation_fields", {}))
        body = codec.serialize(conf)
        session.core(_ADD, {
            "fingerprint": key, "element": message.ELEMENT, "sender_symbol": sender,
            "request_id": request_id, "seq": seq, "out_of_order": out_of_order,
            "confirmation": body.decode()})
        detail = (f"applied; sequence {seq} is older than the last received ({last})"
                  if out_of_order else "applied")
        _record_in(session, data, body, message, detail)
        return body, detail, True


def _handle(platform: Platform, session: ScopedSession, tenant_id: int,
            message: m.InitiatingMessage) -> HandlingOutcome:
    try:
        return handler_for(platform).handle(platform, session, tenant_id, message)
    except IntegrityError:
        raise
    except Exception:  # a handler bug must become an ERROR confirmation, not a 500
        log.exception("ISO 18626 handler failed on %s %s", message.ELEMENT,
                      message.header.requesting_agency_request_id)
        return HandlingOutcome.error(E.UNRECOGNISED_DATA_VALUE,
                                     conventions.error_value("UnableToProcess",
                                                             "internal error; try again later"))


def _log(platform: Platform, tenant_id: int, data: bytes, answer: bytes,
         message: m.InitiatingMessage, detail: str) -> None:
    with platform.db.tenant(tenant_id) as session:
        _record_in(session, data, answer, message, detail)


def _record_in(session: ScopedSession, data: bytes, answer: bytes,
               message: m.InitiatingMessage, detail: str) -> None:
    status = "OK" if b"<ill:messageStatus>OK</ill:messageStatus>" in answer else "ERROR"
    record(session, direction="in", element=message.ELEMENT,
           request_id=message.header.requesting_agency_request_id,
           peer_symbol=m.sender(message).symbol, body=data.decode("utf-8", "replace"),
           confirmation=answer.decode(), message_status=status, detail=detail)
