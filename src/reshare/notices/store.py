"""Tables of patron notices: per-tenant templates and the queue of notices to send."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, JSONType, TenantOwned, UTCDateTime, utcnow


class NoticeTemplate(TenantOwned, Base):
    """A tenant's own template for one trigger; without a row the built-in one is used."""

    __tablename__ = "notice_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "trigger", name="uq_notice_templates_trigger"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow, nullable=False)


class Notice(TenantOwned, Base):
    """One notice to one patron. ``dedupe_key`` makes queuing the same event twice a no-op.

    Status: queued → sending (claimed, with a lease) → sent; or back to queued with a later
    ``next_attempt_at`` on a temporary failure; failed after a permanent failure or too many
    attempts (staff may retry); superseded (e.g. New request replaced by End of rota);
    skipped (inactive template or no e-mail address, kept for the record).
    """

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("tenant_id", "dedupe_key", name="uq_notices_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)
    recipient: Mapped[str | None] = mapped_column(String(255), nullable=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                         nullable=False, index=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
