"""Tables of the ISO 18626 capability: the outbox, received messages (idempotency and
sequence tracking), the protocol log, and what the default recording handler applied."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, TenantOwned, UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) send; attempts > 0 means a retry
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    DELIVERED = "delivered"  # the peer confirmed OK (or a #lastSeq probe proved arrival)
    REJECTED = "rejected"  # the peer answered an ERROR confirmation: recorded, surfaced
    FAILED = "failed"  # gave up: maximum attempts reached, or no address for the peer


OPEN_STATUSES = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
_OPEN = text(f"status IN ({', '.join(repr(s) for s in OPEN_STATUSES)})")


class OutboxMessage(TenantOwned, Base):
    """One outgoing message, written in the transaction of the change that caused it."""

    __tablename__ = "iso18626_outbox"
    __table_args__ = (
        # only unfinished rows: every message passes through it (pending, sending) and leaves
        # when it is finished, so the claim scans a handful of live entries; an index on
        # status kept an entry per version, and the claim slowed down with every message
        # until the table was vacuumed
        Index("ix_iso18626_outbox_open", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_iso18626_outbox_request", "tenant_id", "request_ref", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    element: Mapped[str] = mapped_column(String(64), nullable=False)
    sender_symbol: Mapped[str] = mapped_column(String(128), nullable=False)
    peer_symbol: Mapped[str] = mapped_column(String(128), nullable=False)
    peer_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False,
                                        default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    probe_next: Mapped[bool] = mapped_column(nullable=False, default=False)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False,
                                                         default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    confirmation: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReceivedMessage(TenantOwned, Base):
    """A message we applied: duplicates are recognised by ``fingerprint`` and answered with
    the stored confirmation; ``seq`` tracks ReShare's per-request sequence for probes."""

    __tablename__ = "iso18626_received"
    __table_args__ = (
        UniqueConstraint("tenant_id", "fingerprint", name="uq_iso18626_received_fingerprint"),
        Index("ix_iso18626_received_peer", "tenant_id", "sender_symbol", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    element: Mapped[str] = mapped_column(String(64), nullable=False)
    sender_symbol: Mapped[str] = mapped_column(String(128), nullable=False)
    request_id: Mapped[str] = mapped_column(String(255), nullable=False)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    out_of_order: Mapped[bool] = mapped_column(nullable=False, default=False)
    confirmation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                     nullable=False)


class ProtocolLogEntry(TenantOwned, Base):
    """A raw message in or out, with its confirmation (kept per the logging* settings)."""

    __tablename__ = "iso18626_log"
    __table_args__ = (Index("ix_iso18626_log_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), nullable=False)  # in / out
    element: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    request_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    peer_symbol: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    message_status: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    confirmation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)


class RecordedMessage(TenantOwned, Base):
    """What the default :class:`~reshare.iso18626.handlers.RecordingHandler` applied."""

    __tablename__ = "iso18626_recorded"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element: Mapped[str] = mapped_column(String(64), nullable=False)
    request_id: Mapped[str] = mapped_column(String(255), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)
