"""Tables of the directory: entries (a tree), symbols, services and service accounts, each
library's local properties, and the peers' feeds ("friends") this installation crawls.

The directory is shared reading across the installation, so entries are *not* ``TenantOwned``:
a managed entry names its owner in ``owner_tenant_id`` and the service layer lets only that
tenant change it. Local properties are private notes of one tenant, so they are ``TenantOwned``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reshare.db import Base, JSONType, TenantOwned, UTCDateTime, utcnow


class DirectoryEntry(Base):
    __tablename__ = "directory_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("directory_entries.id"), nullable=True, index=True)
    owner_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True, index=True)
    source_url: Mapped[str | None] = mapped_column(String(1000), nullable=True, index=True)
    lms_location_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False,
                                                             default=list)
    properties: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    last_modified: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                       nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)

    symbols: Mapped[list[DirectorySymbol]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="DirectorySymbol.id",
        lazy="selectin")
    accounts: Mapped[list[ServiceAccount]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="ServiceAccount.id",
        lazy="selectin")


class DirectorySymbol(Base):
    __tablename__ = "directory_symbols"
    __table_args__ = (UniqueConstraint("authority", "symbol",
                                       name="uq_directory_symbols_authority_symbol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("directory_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    authority: Mapped[str] = mapped_column(String(64), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)

    entry: Mapped[DirectoryEntry] = relationship(back_populates="symbols")

    @property
    def text(self) -> str:
        return f"{self.authority}:{self.symbol}"


class DirectoryService(Base):
    """An endpoint (ISO 18626, statistics, NCIP, Z39.50); shared by the accounts using it."""

    __tablename__ = "directory_services"
    __table_args__ = (UniqueConstraint("type", "address",
                                       name="uq_directory_services_type_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    business_function: Mapped[str] = mapped_column(String(16), nullable=False)
    address: Mapped[str] = mapped_column(String(1000), nullable=False)


class ServiceAccount(Base):
    """Links an entry to a service it offers."""

    __tablename__ = "directory_service_accounts"
    __table_args__ = (UniqueConstraint("entry_id", "service_id",
                                       name="uq_directory_service_accounts_entry_service"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("directory_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id"), nullable=False,
                                            index=True)

    entry: Mapped[DirectoryEntry] = relationship(back_populates="accounts")
    service: Mapped[DirectoryService] = relationship(lazy="joined")


class LocalProperty(TenantOwned, Base):
    """One library's private property about any entry (never published)."""

    __tablename__ = "directory_local_properties"
    __table_args__ = (UniqueConstraint("tenant_id", "entry_id", "key",
                                       name="uq_directory_local_properties_tenant_entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("directory_entries.id", ondelete="CASCADE"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(String(255), nullable=False)


class Friend(Base):
    """A peer installation's directory feed, crawled on a schedule and on demand."""

    __tablename__ = "directory_friends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    every_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=240)
    last_crawled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[str] = mapped_column(String(16), nullable=False, default="never")
    last_report: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)
