"""Small builders of realistic messages for tests (the shapes a ReShare node sends)."""

from __future__ import annotations

import datetime as dt

from reshare.iso18626 import model as m

T0 = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)


def header(request_id: str = "ALPHA-1~1", *, requester: str = "RESHARE:ALPHA",
           supplier: str = "RESHARE:BETA", supplier_request_id: str | None = None) -> m.Header:
    return m.Header(supplying_agency_id=m.AgencyId.from_symbol(supplier),
                    requesting_agency_id=m.AgencyId.from_symbol(requester),
                    timestamp=T0, requesting_agency_request_id=request_id,
                    supplying_agency_request_id=supplier_request_id)


def request(request_id: str = "ALPHA-1~1", note: str | None = "#seq:1#", **kw: str) -> m.Request:
    return m.Request(
        header=header(request_id, **kw),
        bibliographic_info=m.BibliographicInfo(title="The Hobbit", author="Tolkien"),
        service_info=m.ServiceInfo(service_type=m.ServiceType.LOAN, any_edition=m.YesNo.Y,
                                   note=note),
        requested_delivery_info=[m.RequestedDeliveryInfo(address=m.Address(
            physical_address=m.PhysicalAddress(line1="Main Library")))],
    )


def sam(status: m.Status = m.Status.WILL_SUPPLY,
        reason: m.ReasonForMessage = m.ReasonForMessage.REQUEST_RESPONSE,
        request_id: str = "ALPHA-1~1", note: str | None = None, **kw: str
        ) -> m.SupplyingAgencyMessage:
    return m.SupplyingAgencyMessage(
        header=header(request_id, supplier_request_id="beta-uuid-1", **kw),
        message_info=m.MessageInfo(reason_for_message=reason, note=note),
        status_info=m.StatusInfo(status=status, last_change=T0),
    )


def ram(action: m.Action = m.Action.RECEIVED, request_id: str = "ALPHA-1~1",
        note: str | None = None, **kw: str) -> m.RequestingAgencyMessage:
    return m.RequestingAgencyMessage(header=header(request_id, **kw), action=action, note=note)
