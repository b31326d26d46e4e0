"""Use cases on the LMS lookup tables: auto-register what the catalogue reports, rank copies by
the preferences staff set, and let staff list and rate entries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reshare.db import ScopedSession
from reshare.errors import NotFound, ValidationFailed
from reshare.lms.store import (
    LmsLoanPolicy,
    LmsLocation,
    LmsPatronProfile,
    LmsShelvingLocation,
    LmsShelvingLocationSite,
)
from reshare.lms.z3950.holdings import ItemLocation

KINDS: dict[str, type[Any]] = {
    "locations": LmsLocation,
    "shelving-locations": LmsShelvingLocation,
    "loan-policies": LmsLoanPolicy,
    "patron-profiles": LmsPatronProfile,
}
EDITABLE = {"name", "hidden", "supply_preference", "lendable", "can_create_requests"}
MAX_CODE = 255


def _get_or_create(session: ScopedSession, model: type[Any], code: str) -> Any:
    code = code[:MAX_CODE]
    row = session.scalars(select(model).where(model.code == code)).first()
    if row is None:
        row = model(code=code, name=code)
        session.add(row)
        session.flush()
    return row


def register_codes(session: ScopedSession, items: Iterable[ItemLocation]) -> None:
    """Make sure every location, shelving location and loan policy seen has a row."""
    for item in items:
        _get_or_create(session, LmsLocation, item.effective_location)
        if item.effective_shelving:
            _get_or_create(session, LmsShelvingLocation, item.effective_shelving)
        if item.loan_policy:
            _get_or_create(session, LmsLoanPolicy, item.loan_policy)


def register_patron_profile(session: ScopedSession, code: str) -> bool:
    """Register a profile code; returns whether patrons of that profile may create requests."""
    return bool(_get_or_create(session, LmsPatronProfile, code).can_create_requests)


@dataclass(frozen=True)
class Ranked:
    item: ItemLocation
    preference: int
    shelving_preference: int


def _rank_one(session: ScopedSession, item: ItemLocation) -> Ranked:
    location = _get_or_create(session, LmsLocation, item.effective_location)
    preference = location.supply_preference
    if item.loan_policy:
        policy = _get_or_create(session, LmsLoanPolicy, item.loan_policy)
        if not policy.lendable:
            preference = -1
    shelving_preference = 0
    if item.effective_shelving:
        shelving = _get_or_create(session, LmsShelvingLocation, item.effective_shelving)
        site = session.scalars(select(LmsShelvingLocationSite).where(
            LmsShelvingLocationSite.location_id == location.id,
            LmsShelvingLocationSite.shelving_location_id == shelving.id)).first()
        shelving_preference = (site.supply_preference if site is not None
                               else shelving.supply_preference)
    return Ranked(item, preference, shelving_preference)


def pick_best(session: ScopedSession, items: Iterable[ItemLocation]) -> Ranked | None:
    """ReShare's order: drop anything with a preference below zero, then the highest
    (location preference, shelving preference) wins; ties keep the catalogue's order."""
    ranked = [_rank_one(session, item) for item in items]
    usable = [r for r in ranked if r.preference >= 0 and r.shelving_preference >= 0]
    usable.sort(key=lambda r: (r.preference, r.shelving_preference), reverse=True)
    return usable[0] if usable else None


# --- staff use cases ------------------------------------------------------------


def _model(kind: str) -> type[Any]:
    if kind not in KINDS:
        raise NotFound(f"unknown LMS table {kind!r}", code="unknown_lms_table",
                       details={"tables": list(KINDS)})
    return KINDS[kind]


def as_dict(row: Any) -> dict[str, Any]:
    fields = ["code", "name", "hidden", "needs_review"]
    fields += [f for f in ("supply_preference", "lendable", "can_create_requests")
               if hasattr(row, f)]
    data = {f: getattr(row, f) for f in fields}
    data["first_seen_at"] = row.first_seen_at.isoformat()
    return data


def list_entries(session: ScopedSession, kind: str, *, needs_review: bool | None = None
                 ) -> list[dict[str, Any]]:
    model = _model(kind)
    query = select(model).order_by(model.code)
    if needs_review is not None:
        query = query.where(model.needs_review == needs_review)
    return [as_dict(r) for r in session.scalars(query)]


def update_entry(session: ScopedSession, kind: str, code: str, changes: dict[str, Any]
                 ) -> dict[str, Any]:
    """Rate or rename an entry; marks it reviewed. Unknown fields are refused, nothing changes."""
    model = _model(kind)
    row = session.scalars(select(model).where(model.code == code)).first()
    if row is None:
        raise NotFound(f"no such entry in {kind}; entries appear once the catalogue "
                       "or the LMS reports it", code="unknown_lms_code")
    bad = [k for k in changes if k not in EDITABLE or not hasattr(row, k)]
    if bad:
        raise ValidationFailed(f"cannot change {', '.join(sorted(bad))} on {kind}",
                               code="bad_lms_field")
    for key, value in changes.items():
        setattr(row, key, value)
    row.needs_review = False
    session.flush()
    return as_dict(row)


def set_site_preference(session: ScopedSession, location: str, shelving: str,
                        preference: int) -> dict[str, Any]:
    loc = session.scalars(select(LmsLocation).where(LmsLocation.code == location)).first()
    shelf = session.scalars(select(LmsShelvingLocation)
                            .where(LmsShelvingLocation.code == shelving)).first()
    if loc is None or shelf is None:
        raise NotFound("unknown location or shelving location", code="unknown_lms_code")
    site = session.scalars(select(LmsShelvingLocationSite).where(
        LmsShelvingLocationSite.location_id == loc.id,
        LmsShelvingLocationSite.shelving_location_id == shelf.id)).first()
    if site is None:
        site = LmsShelvingLocationSite(location_id=loc.id, shelving_location_id=shelf.id)
        session.add(site)
    site.supply_preference = preference
    session.flush()
    return {"location": location, "shelving_location": shelving,
            "supply_preference": preference}
