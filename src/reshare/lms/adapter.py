"""LmsPort adapters: NCIP 2 per profile (:class:`NcipLms`) and the manual profile.

Per-operation switches decide whether a call is really made; when a switch is off the result
says so (``manual=True``) instead of pretending. LMSs that speak only NCIP 1 or OCLC's WMS APIs
are refused with a message naming the LMS: staff must do that step by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reshare.lms.ncip.client import NcipClient
from reshare.lms.ncip.messages import Bib
from reshare.lms.ncip.responses import (
    TRANSPORT_FAILURE,
    NcipResponse,
    already_checked_in,
    due_date_of,
    read_user,
)
from reshare.lms.profiles import NCIP1, NCIP1_SOCKET, WMS_API, LmsProfile, strip_diacritics
from reshare.requests.ports import (
    CheckOutResult,
    ItemToAccept,
    LmsResult,
    NullLms,
    PatronResult,
)


@dataclass(frozen=True)
class Switches:
    """The hostLMSIntegration switches: True where the setting is ``ncip``."""

    borrower_check: bool = False
    check_out_item: bool = False
    check_in_item: bool = False
    accept_item: bool = False
    use_request_item: bool = False


@dataclass(frozen=True)
class NcipOptions:
    use_due_date: bool = True
    use_title_request_type: bool = False
    request_item_pickup_location: str = ""


def _failure(op: str, label: str, response: NcipResponse) -> LmsResult:
    problem = response.problems[0].type if response.problems else ""
    return LmsResult(ok=False, reason=f"{label} {op} failed: {response.reason()}",
                     problem_type=problem)


class NcipLms:
    """One tenant's LMS over NCIP 2.02, shaped by its profile and switches."""

    def __init__(self, profile: LmsProfile, client: NcipClient | None, switches: Switches,
                 options: NcipOptions | None = None,
                 profile_allowed: Callable[[str], bool] | None = None) -> None:
        self.profile = profile
        self.client = client
        self.switches = switches
        self.options = options or NcipOptions()
        self.profile_allowed = profile_allowed or (lambda code: True)

    @property
    def manual_cancel_request_item(self) -> bool:
        return self.profile.manual_cancel

    # --- guards ------------------------------------------------------------

    def _cannot(self, op: str) -> str:
        """Why this call cannot be made at all ("" when it can)."""
        label = self.profile.label
        if self.profile.transport in (NCIP1, NCIP1_SOCKET):
            how = "over a raw socket" if self.profile.transport == NCIP1_SOCKET else "over HTTP"
            return (f"{label} speaks NCIP 1 {how}, which is not supported: do the {op} by hand "
                    f"in {label}")
        if self.profile.transport == WMS_API:
            return (f"{label} is reached through OCLC's WMS APIs, which are not supported: do "
                    f"the {op} by hand in {label}")
        if self.client is None:
            return f"the NCIP server address (ncip_server_address) is not set: cannot send {op}"
        if not (self.client.header.to_agency or self.client.header.from_agency):
            return f"the NCIP agency (ncip_from_agency / ncip_to_agency) is not set: cannot send {op}"
        return ""

    def _skipped(self, setting: str, op: str) -> LmsResult:
        return LmsResult(ok=True, manual=True,
                         reason=f"{setting} is not 'ncip': no {op} was sent to "
                                f"{self.profile.label}; do it by hand if needed")

    # --- LmsPort ------------------------------------------------------------

    def lookup_patron(self, patron_id: str) -> PatronResult:
        if not self.switches.borrower_check:
            skipped = self._skipped("borrower_check", "LookupUser")
            return PatronResult(ok=True, patron_id=patron_id, manual=True, reason=skipped.reason)
        refused = self._cannot("patron check")
        if refused:
            return PatronResult(ok=False, patron_id=patron_id, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.lookup_user(user_id=patron_id)
        transport_failed = any(p.type == TRANSPORT_FAILURE for p in response.problems)
        if not response.ok and self.profile.username_retry and not transport_failed:
            by_name = self.client.lookup_user(user_name=patron_id)
            if by_name.ok:
                response = by_name
        if not response.ok:
            return PatronResult(ok=False, patron_id=patron_id,
                                reason=f"{self.profile.label} LookupUser failed: "
                                       f"{response.reason()}")
        return self._patron(patron_id, response)

    def lookup_patron_by_barcode_pin(self, barcode: str, pin: str) -> PatronResult:
        """A patron identifying themselves (ReShare's ``POST /rs/patron/validate``); made
        whenever asked, as it authenticates the patron."""
        refused = self._cannot("patron check")
        if refused:
            return PatronResult(ok=False, patron_id=barcode, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.lookup_user(barcode=barcode, pin=pin)
        if not response.ok:
            return PatronResult(ok=False, patron_id=barcode,
                                reason=f"{self.profile.label} LookupUser failed: "
                                       f"{response.reason()}")
        return self._patron(barcode, response)

    def _patron(self, patron_id: str, response: NcipResponse) -> PatronResult:
        info = read_user(response)
        name = " ".join(n for n in (info.given_name, info.surname) if n)
        reason = ""
        if info.blocked:
            blocks = f" ({', '.join(info.blocks)})" if info.blocks else ""
            reason = f"patron is blocked in {self.profile.label}{blocks}"
        elif info.profile and not self.profile_allowed(info.profile):
            reason = f"patron profile {info.profile!r} may not create requests"
        return PatronResult(ok=not reason, patron_id=info.user_id or patron_id, reason=reason,
                            name=name, email=info.email, user_profile=info.profile)

    def accept_item(self, item: ItemToAccept) -> LmsResult:
        if not self.switches.accept_item:
            return self._skipped("accept_item", "AcceptItem")
        refused = self._cannot("AcceptItem (temporary item)")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        clean = strip_diacritics if self.profile.strip_diacritics else (lambda s: s)
        bib = Bib(title=clean(item.title), author=clean(item.author), isbn=item.isbn,
                  call_number=item.call_number)
        response = self.client.accept_item(
            request_id=item.request_id, item_id=item.item_barcode, user_id=item.patron_id,
            bib=bib, pickup_location=item.pickup_location,
            requested_action=item.requested_action)
        return LmsResult(ok=True) if response.ok else _failure("AcceptItem", self.profile.label,
                                                               response)

    def check_out_item(self, *, request_id: str, item_barcode: str,
                       institutional_patron_id: str) -> CheckOutResult:
        if not self.switches.check_out_item:
            skipped = self._skipped("check_out_item", "CheckOutItem")
            return CheckOutResult(ok=True, manual=True, reason=skipped.reason)
        refused = self._cannot("CheckOutItem")
        if refused:
            return CheckOutResult(ok=False, manual=True, reason=refused)
        patron = institutional_patron_id or ("" if self.profile.uses_institutional_patron
                                             else "-")
        if not patron:
            return CheckOutResult(ok=False, reason="No institutional patron ID available: set "
                                  "local_institutionalPatronId on the requesting institution's "
                                  "directory entry, or default_institutional_patron_id")
        assert self.client is not None
        response = self.client.check_out_item(user_id=patron, item_id=item_barcode,
                                              request_id=request_id)
        if not response.ok:
            failed = _failure("CheckOutItem", self.profile.label, response)
            return CheckOutResult(ok=False, reason=failed.reason, problem_type=failed.problem_type)
        due = due_date_of(response) if self.options.use_due_date else None
        return CheckOutResult(ok=True, due_date=due)

    def check_in_item(self, *, request_id: str, item_barcode: str) -> LmsResult:
        if not self.switches.check_in_item:
            return self._skipped("check_in_item", "CheckInItem")
        return self._check_in(item_barcode)

    def check_in_on_return(self, *, item_barcode: str) -> LmsResult:
        """Requester side (check_in_on_return = on): CheckInItem regardless of check_in_item."""
        return self._check_in(item_barcode)

    def _check_in(self, item_barcode: str) -> LmsResult:
        refused = self._cannot("CheckInItem")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.check_in_item(item_barcode)
        if response.ok:
            return LmsResult(ok=True)
        if already_checked_in(response):
            return LmsResult(ok=True, reason=f"already checked in ({response.reason()})",
                             problem_type=response.problems[0].type)
        return _failure("CheckInItem", self.profile.label, response)

    def delete_item(self, *, item_barcode: str) -> LmsResult:
        refused = self._cannot("DeleteItem")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.delete_item(item_barcode)
        return LmsResult(ok=True) if response.ok else _failure("DeleteItem", self.profile.label,
                                                               response)

    def request_item(self, *, request_id: str, bib_record_id: str, patron_id: str,
                     pickup_location: str = "") -> LmsResult:
        if not self.switches.use_request_item:
            return self._skipped("use_request_item", "RequestItem")
        refused = self._cannot("RequestItem (hold)")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        p, o = self.profile, self.options
        scope = "Title" if p.title_scope_setting and o.use_title_request_type else p.request_scope
        pickup = o.request_item_pickup_location if p.pickup_from_setting else pickup_location
        response = self.client.request_item(
            user_id=patron_id or ("" if p.uses_institutional_patron else "-"),
            bib_record_id=p.bib_id(bib_record_id), bib_id_code=p.bib_id_code,
            request_id=request_id, request_type=p.request_type, scope=scope,
            pickup_location=pickup)
        return LmsResult(ok=True) if response.ok else _failure("RequestItem", p.label, response)

    def cancel_request_item(self, *, request_id: str, patron_id: str) -> LmsResult:
        if not self.switches.use_request_item:
            return self._skipped("use_request_item", "CancelRequestItem")
        refused = self._cannot("CancelRequestItem")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.cancel_request_item(
            user_id=patron_id or ("" if self.profile.uses_institutional_patron else "-"),
            request_id=request_id, request_type=self.profile.request_type)
        return LmsResult(ok=True) if response.ok else _failure("CancelRequestItem",
                                                               self.profile.label, response)

    def create_user_fiscal_transaction(self, *, patron_id: str, item_barcode: str,
                                       amount_minor_units: int, currency: str = "USD",
                                       request_id: str = "") -> LmsResult:
        """SLNP automatic patron fee (request_service_type set)."""
        refused = self._cannot("CreateUserFiscalTransaction")
        if refused:
            return LmsResult(ok=False, manual=True, reason=refused)
        assert self.client is not None
        response = self.client.create_user_fiscal_transaction(
            user_id=patron_id, item_id=item_barcode, amount=str(int(amount_minor_units)),
            currency=currency, request_id=request_id)
        return LmsResult(ok=True) if response.ok else _failure(
            "CreateUserFiscalTransaction", self.profile.label, response)


_MANUAL = "host LMS integration is manual: do this by hand in your LMS"


class ManualLms(NullLms):
    """The ``manual`` profile: no call is made and every result says staff must do it by hand."""

    def lookup_patron(self, patron_id: str) -> PatronResult:
        return PatronResult(ok=True, patron_id=patron_id, manual=True,
                            reason="host LMS integration is manual: check the patron by hand")

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
