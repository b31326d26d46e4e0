"""Table of per-tenant setting values (only values differing from the registry default)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, TenantOwned, UTCDateTime, utcnow


class SettingValue(TenantOwned, Base):
    __tablename__ = "setting_values"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_setting_values_tenant_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
