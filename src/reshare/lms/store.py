"""Tables of the LMS capability: the host LMS's locations, shelving locations, shelving
locations per location, item loan policies and patron profiles, with the preferences staff set.

Rows are created automatically the first time a catalogue search or a patron lookup reports a
code (``needs_review`` stays true until staff rate them).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, TenantOwned, UTCDateTime, utcnow


class _Coded:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                       nullable=False)


class LmsLocation(_Coded, TenantOwned, Base):
    """A library / branch of the host LMS (ReShare's HostLMSLocation)."""

    __tablename__ = "lms_locations"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_lms_locations_code"),)

    # higher is preferred; below zero: never supply from here
    supply_preference: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LmsShelvingLocation(_Coded, TenantOwned, Base):
    """A shelving location (stacks, reserves...), ReShare's HostLMSShelvingLocation."""

    __tablename__ = "lms_shelving_locations"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_lms_shelving_locations_code"),)

    supply_preference: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LmsShelvingLocationSite(TenantOwned, Base):
    """A preference for one shelving location at one location, overriding the shelving
    location's own preference (ReShare's ShelvingLocationSite)."""

    __tablename__ = "lms_shelving_location_sites"
    __table_args__ = (UniqueConstraint("tenant_id", "location_id", "shelving_location_id",
                                       name="uq_lms_shelving_location_sites_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("lms_locations.id", ondelete="CASCADE"), nullable=False, index=True)
    shelving_location_id: Mapped[int] = mapped_column(
        ForeignKey("lms_shelving_locations.id", ondelete="CASCADE"), nullable=False, index=True)
    supply_preference: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LmsLoanPolicy(_Coded, TenantOwned, Base):
    """An item loan policy; items under a policy that is not lendable are never offered."""

    __tablename__ = "lms_loan_policies"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_lms_loan_policies_code"),)

    lendable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class LmsPatronProfile(_Coded, TenantOwned, Base):
    """A patron profile (user group); patrons of a profile that cannot create requests fail
    validation."""

    __tablename__ = "lms_patron_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_lms_patron_profiles_code"),)

    can_create_requests: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
