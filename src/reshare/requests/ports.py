"""Ports of the request engine: what it needs from the outside world.

The engine depends only on these Protocols. Adapters live with the capability that talks to
the outside: ``reshare.lms`` (NCIP/Z39.50/SRU per LMS profile), ``reshare.sharedindex``
(rota source), and the Null adapters below, used until a tenant configures something real.

Contract for every adapter:
* never pretend: an adapter that could not do the work returns ``ok=False`` (or
  ``available=False``) with a ``reason`` staff can act on, and ``manual=True`` when staff must
  do it by hand in their LMS;
* never raise for an answer the far side gave (a Problem, "no such patron"); raise only for
  programming errors. Network failures are results too (``ok=False``, reason says what failed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

# --- LMS (NCIP) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatronResult:
    ok: bool  # the patron may borrow
    patron_id: str
    reason: str = ""  # why not, in words for staff (blocked, unknown, expired...)
    name: str = ""
    email: str = ""
    user_profile: str = ""
    manual: bool = False  # no LMS check was made; staff must check by hand


@dataclass(frozen=True)
class LmsResult:
    ok: bool
    reason: str = ""
    manual: bool = False
    problem_type: str = ""  # NCIP Problem type when the LMS answered with one


@dataclass(frozen=True)
class CheckOutResult(LmsResult):
    due_date: dt.datetime | None = None  # from the LMS, when it gave one


@dataclass(frozen=True)
class ItemToAccept:
    request_id: str  # our HRID (or the supplier's barcode, per ncip_use_barcode_for_accept_item)
    item_barcode: str
    title: str = ""
    author: str = ""
    isbn: str = ""
    call_number: str = ""
    pickup_location: str = ""  # LMS location code of the pickup branch
    patron_id: str = ""
    requested_action: str = "Hold For Pickup"


class LmsPort(Protocol):
    """The library's own system, reached by NCIP (or by hand with the manual profile)."""

    def lookup_patron(self, patron_id: str) -> PatronResult: ...

    def accept_item(self, item: ItemToAccept) -> LmsResult: ...

    def check_out_item(self, *, request_id: str, item_barcode: str,
                       institutional_patron_id: str) -> CheckOutResult: ...

    def check_in_item(self, *, request_id: str, item_barcode: str) -> LmsResult: ...

    def delete_item(self, *, item_barcode: str) -> LmsResult: ...

    def request_item(self, *, request_id: str, bib_record_id: str, patron_id: str,
                     pickup_location: str = "") -> LmsResult: ...

    def cancel_request_item(self, *, request_id: str, patron_id: str) -> LmsResult: ...


# --- availability (Z39.50 / SRU) -----------------------------------------------------------------


@dataclass(frozen=True)
class BibQuery:
    """What we know of the wanted item, for availability checks and rota building."""

    title: str = ""
    author: str = ""
    isbn: str = ""
    issn: str = ""
    oclc_number: str = ""
    system_instance_id: str = ""  # the supplier's local record id, when known
    cluster_id: str = ""  # shared index cluster, when known
    publication_type: str = ""


@dataclass(frozen=True)
class CopyFound:
    location: str
    shelving_location: str = ""
    call_number: str = ""
    item_id: str = ""  # barcode when the catalogue gives it
    loan_policy: str = ""


@dataclass(frozen=True)
class Availability:
    available: bool
    copy: CopyFound | None = None
    reason: str = ""  # e.g. "no record found", "all copies checked out", "catalogue unreachable"
    checked: bool = True  # False: no catalogue configured, nothing was checked


class AvailabilityPort(Protocol):
    def find_copy(self, query: BibQuery) -> Availability: ...


# --- routing (rota source) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    symbol: str  # AUTHORITY:SYMBOL of the holding library
    local_record_id: str = ""  # the lender's own bib record id
    lendable: bool = True
    cluster_id: str = ""
    call_number: str = ""
    location: str = ""


@dataclass(frozen=True)
class RoutingResult:
    holdings: list[Holding] = field(default_factory=list)
    reason: str = ""  # why empty (no match, index unreachable...)


class RoutingPort(Protocol):
    def lenders_for(self, query: BibQuery) -> RoutingResult: ...


# --- Null adapters -------------------------------------------------------------------------------------

_MANUAL = "no LMS integration configured: do this by hand in your LMS"


class NullLms:
    """No LMS configured: accepts every patron, records that staff must do LMS work by hand."""

    def lookup_patron(self, patron_id: str) -> PatronResult:
        return PatronResult(ok=True, patron_id=patron_id, manual=True, reason=_MANUAL)

    def accept_item(self, item: ItemToAccept) -> LmsResult:
        return LmsResult(ok=True, manual=True, reason=_MANUAL)

    def check_out_item(self, *, request_id: str, item_barcode: str,
                       institutional_patron_id: str) -> CheckOutResult:
        return CheckOutResult(ok=True, manual=True, reason=_MANUAL)

    def check_in_item(self, *, request_id: str, item_barcode: str) -> LmsResult:
        return LmsResult(ok=True, manual=True, reason=_MANUAL)

    def delete_item(self, *, item_barcode: str) -> LmsResult:
        return LmsResult(ok=True, manual=True, reason=_MANUAL)

    def request_item(self, *, request_id: str, bib_record_id: str, patron_id: str,
                     pickup_location: str = "") -> LmsResult:
        return LmsResult(ok=True, manual=True, reason=_MANUAL)

    def cancel_request_item(self, *, request_id: str, patron_id: str) -> LmsResult:
        return LmsResult(ok=True, manual=True, reason=_MANUAL)


class NullAvailability:
    """No catalogue configured: never promises a copy (the auto-responder must not say yes)."""

    def find_copy(self, query: BibQuery) -> Availability:
        return Availability(available=False, checked=False,
                            reason="no catalogue (Z39.50/SRU) configured: check by hand")


class NullRouting:
    def lenders_for(self, query: BibQuery) -> RoutingResult:
        return RoutingResult(reason="no shared index configured")
