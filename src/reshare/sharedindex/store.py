"""Tables of the shared index. They belong to the installation, not to one tenant.

The shared index is the union catalogue of all member libraries, so its tables are not
``TenantOwned``: every staff user may search it. A source records which tenant (if any)
administers it; only that tenant's admins may load or change it (checked in ``service``).

Full-text search uses a ``tsvector`` column with a GIN index on PostgreSQL and an FTS5
virtual table on SQLite (created on first use by ``textindex.ensure_fts``; not an ORM table).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, JSONType, UTCDateTime, utcnow

SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class IndexSetting(Base):
    """Installation-wide options of the index (e.g. which GoldRush version clusters)."""

    __tablename__ = "si_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), nullable=False)


class Source(Base):
    __tablename__ = "si_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)  # AUTHORITY:SYMBOL
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True, index=True)
    preset: Mapped[str] = mapped_column(String(16), nullable=False, default="852")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    oai_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    oai_set: Mapped[str | None] = mapped_column(String(255), nullable=True)
    oai_prefix: Mapped[str] = mapped_column(String(64), nullable=False, default="marc21")
    oai_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    oai_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    oai_status: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)


class Cluster(Base):
    """One work: its stable public id, and when it last changed (drives OAI-PMH)."""

    __tablename__ = "si_clusters"
    __table_args__ = (Index("ix_si_clusters_datestamp_id", "datestamp", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    datestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0: removed
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MatchValue(Base):
    """A match value belongs to exactly one cluster (union-find on shared values)."""

    __tablename__ = "si_match_values"

    value: Mapped[str] = mapped_column(String(600), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("si_clusters.id", ondelete="CASCADE"), nullable=False, index=True)


class BibRecord(Base):
    """A library's bibliographic record as contributed, with its keys and holdings."""

    __tablename__ = "si_records"
    __table_args__ = (
        UniqueConstraint("source_id", "local_id", name="uq_si_records_source_local"),
        Index("ix_si_records_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("si_sources.id", ondelete="CASCADE"), nullable=False)
    local_id: Mapped[str] = mapped_column(String(255), nullable=False)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("si_clusters.id", ondelete="SET NULL"), nullable=True, index=True)
    fmt: Mapped[str] = mapped_column(String(8), nullable=False, default="iso")
    marc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    keys: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    holdings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False,
                                                           default=list)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author: Mapped[str] = mapped_column(Text, nullable=False, default="")
    isbn: Mapped[str] = mapped_column(Text, nullable=False, default="")
    issn: Mapped[str] = mapped_column(Text, nullable=False, default="")
    year: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    search: Mapped[Any] = mapped_column(SearchVector, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    nullable=False)


class HoldingsRecord(Base):
    """A MARC 21 holdings (MFHD) record, attached by its 004 to a bib of the same source."""

    __tablename__ = "si_mfhd"
    __table_args__ = (
        UniqueConstraint("source_id", "local_id", name="uq_si_mfhd_source_local"),
        Index("ix_si_mfhd_source_bib", "source_id", "bib_local_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("si_sources.id", ondelete="CASCADE"), nullable=False)
    local_id: Mapped[str] = mapped_column(String(255), nullable=False)
    bib_local_id: Mapped[str] = mapped_column(String(255), nullable=False)
    marc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    holdings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False,
                                                           default=list)
