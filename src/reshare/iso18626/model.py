"""ISO 18626 v1.2 messages as typed, immutable-by-convention dataclasses (no I/O, no XML).

Every element of the v1.2 schema has a field. The rule that ties the two together is simple and
used by the codec: a field ``snake_case`` is the element ``snakeCase``; fields come in schema
order; ``X | None`` is an optional element, ``list[X]`` a repeatable one, a :class:`SchemeValue`
an element with an optional ``ill:scheme`` attribute. Closed code lists are enums; open code
lists (schemes) are plain strings with the standard values listed in :mod:`codes`-style classes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

NAMESPACE = "http://illtransactions.org/2013/iso18626"
VERSION = "1.2"


class Status(StrEnum):
    REQUEST_RECEIVED = "RequestReceived"
    EXPECT_TO_SUPPLY = "ExpectToSupply"
    WILL_SUPPLY = "WillSupply"
    LOANED = "Loaned"
    OVERDUE = "Overdue"
    RECALLED = "Recalled"
    RETRY_POSSIBLE = "RetryPossible"
    UNFILLED = "Unfilled"
    COPY_COMPLETED = "CopyCompleted"
    LOAN_COMPLETED = "LoanCompleted"
    COMPLETED_WITHOUT_RETURN = "CompletedWithoutReturn"
    CANCELLED = "Cancelled"


class Action(StrEnum):
    STATUS_REQUEST = "StatusRequest"
    RECEIVED = "Received"
    CANCEL = "Cancel"
    RENEW = "Renew"
    SHIPPED_RETURN = "ShippedReturn"
    SHIPPED_FORWARD = "ShippedForward"
    NOTIFICATION = "Notification"


class ReasonForMessage(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    STATUS_REQUEST_RESPONSE = "StatusRequestResponse"
    RENEW_RESPONSE = "RenewResponse"
    CANCEL_RESPONSE = "CancelResponse"
    STATUS_CHANGE = "StatusChange"
    NOTIFICATION = "Notification"


class ErrorType(StrEnum):
    UNSUPPORTED_ACTION_TYPE = "UnsupportedActionType"
    UNSUPPORTED_REASON_FOR_MESSAGE_TYPE = "UnsupportedReasonForMessageType"
    UNRECOGNISED_DATA_ELEMENT = "UnrecognisedDataElement"
    UNRECOGNISED_DATA_VALUE = "UnrecognisedDataValue"
    BADLY_FORMED_MESSAGE = "BadlyFormedMessage"


class MessageStatus(StrEnum):
    OK = "OK"
    ERROR = "ERROR"


class YesNo(StrEnum):
    Y = "Y"
    N = "N"


class RequestType(StrEnum):
    NEW = "New"
    RETRY = "Retry"
    REMINDER = "Reminder"


class RequestSubType(StrEnum):
    BOOKING_REQUEST = "BookingRequest"
    MULTIPLE_ITEM_REQUEST = "MultipleItemRequest"
    PATRON_REQUEST = "PatronRequest"
    TRANSFER_REQUEST = "TransferRequest"
    SUPPLYING_LIBRARYS_CHOICE = "SupplyingLibrarysChoice"


class ServiceType(StrEnum):
    COPY = "Copy"
    LOAN = "Loan"
    COPY_OR_LOAN = "CopyOrLoan"


# ----------------------------------------------------------------------------- shared parts


@dataclass
class SchemeValue:
    """An open-code-list value (``type_schemeValuePair``): text plus an optional scheme URI."""

    value: str
    scheme: str | None = None


@dataclass
class AgencyId:
    agency_id_type: SchemeValue
    agency_id_value: str

    @classmethod
    def from_symbol(cls, symbol: str) -> AgencyId:
        """``"RESHARE:ABC"`` → type RESHARE, value ABC (split on the first ``:``)."""
        authority, sep, value = symbol.partition(":")
        if not sep or not authority or not value:
            raise ValueError(f"symbol {symbol!r} is not of the form AUTHORITY:SYMBOL")
        return cls(SchemeValue(authority), value)

    @property
    def symbol(self) -> str:
        return f"{self.agency_id_type.value}:{self.agency_id_value}"


@dataclass
class Costs:
    currency_code: SchemeValue
    monetary_value: Decimal


@dataclass
class RequestingAgencyAuthentication:
    account_id: str | None = None
    security_code: str | None = None


@dataclass
class Header:
    supplying_agency_id: AgencyId
    requesting_agency_id: AgencyId
    timestamp: dt.datetime
    requesting_agency_request_id: str
    multiple_item_request_id: str = ""
    supplying_agency_request_id: str | None = None
    requesting_agency_authentication: RequestingAgencyAuthentication | None = None

    # schema order differs from the constructor's convenience order
    XML_ORDER: ClassVar[tuple[str, ...]] = (
        "supplying_agency_id", "requesting_agency_id", "multiple_item_request_id", "timestamp",
        "requesting_agency_request_id", "supplying_agency_request_id",
        "requesting_agency_authentication",
    )


@dataclass
class ConfirmationHeader:
    timestamp: dt.datetime
    timestamp_received: dt.datetime
    message_status: MessageStatus
    supplying_agency_id: AgencyId | None = None
    requesting_agency_id: AgencyId | None = None
    requesting_agency_request_id: str | None = None
    multiple_item_request_id: str | None = None

    XML_ORDER: ClassVar[tuple[str, ...]] = (
        "supplying_agency_id", "requesting_agency_id", "timestamp",
        "requesting_agency_request_id", "multiple_item_request_id", "timestamp_received",
        "message_status",
    )


@dataclass
class ErrorData:
    error_type: ErrorType
    error_value: str | None = None


@dataclass
class ElectronicAddress:
    electronic_address_type: SchemeValue
    electronic_address_data: str


@dataclass
class PhysicalAddress:
    line1: str | None = None
    line2: str | None = None
    locality: str | None = None
    postal_code: str | None = None
    region: SchemeValue | None = None
    country: SchemeValue | None = None


@dataclass
class Address:
    """A choice: exactly one of the two is set."""

    electronic_address: ElectronicAddress | None = None
    physical_address: PhysicalAddress | None = None


# ----------------------------------------------------------------------------- request parts


@dataclass
class BibliographicItemId:
    bibliographic_item_identifier: str
    bibliographic_item_identifier_code: SchemeValue


@dataclass
class BibliographicRecordId:
    bibliographic_record_identifier_code: SchemeValue
    bibliographic_record_identifier: str


@dataclass
class BibliographicInfo:
    supplier_unique_record_id: str | None = None
    title: str | None = None
    author: str | None = None
    subtitle: str | None = None
    series_title: str | None = None
    edition: str | None = None
    title_of_component: str | None = None
    author_of_component: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages_requested: str | None = None
    estimated_no_pages: str | None = None
    bibliographic_item_id: list[BibliographicItemId] = field(default_factory=list)
    sponsor: str | None = None
    information_source: str | None = None
    bibliographic_record_id: list[BibliographicRecordId] = field(default_factory=list)


@dataclass
class PublicationInfo:
    publisher: str | None = None
    publication_type: SchemeValue | None = None
    publication_date: str | None = None
    place_of_publication: str | None = None


@dataclass
class ServiceInfo:
    service_type: ServiceType
    request_type: RequestType | None = None
    request_sub_type: list[RequestSubType] = field(default_factory=list)  # at most 3
    requesting_agency_previous_request_id: str | None = None
    service_level: SchemeValue | None = None
    preferred_format: SchemeValue | None = None
    need_before_date: dt.datetime | None = None
    copyright_compliance: SchemeValue | None = None
    any_edition: YesNo | None = None
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    note: str | None = None

    XML_ORDER: ClassVar[tuple[str, ...]] = (
        "request_type", "request_sub_type", "requesting_agency_previous_request_id",
        "service_type", "service_level", "preferred_format", "need_before_date",
        "copyright_compliance", "any_edition", "start_date", "end_date", "note",
    )


@dataclass
class SupplierInfo:
    sort_order: int | None = None
    supplier_code: AgencyId | None = None
    supplier_description: str | None = None
    bibliographic_record_id: BibliographicRecordId | None = None
    call_number: str | None = None
    summary_holdings: str | None = None
    availability_note: str | None = None


@dataclass
class RequestedDeliveryInfo:
    sort_order: int | None = None
    address: Address | None = None


@dataclass
class RequestingAgencyInfo:
    name: str | None = None
    contact_name: str | None = None
    address: list[Address] = field(default_factory=list)


@dataclass
class PatronInfo:
    patron_id: str | None = None
    surname: str | None = None
    given_name: str | None = None
    patron_type: SchemeValue | None = None
    send_to_patron: YesNo | None = None
    address: list[Address] = field(default_factory=list)


@dataclass
class BillingInfo:
    payment_method: SchemeValue | None = None
    maximum_costs: Costs | None = None
    billing_method: SchemeValue | None = None
    billing_name: str | None = None
    address: Address | None = None


# ----------------------------------------------------------------------------- SAM parts


@dataclass
class MessageInfo:
    reason_for_message: ReasonForMessage
    answer_yes_no: YesNo | None = None
    note: str | None = None
    reason_unfilled: SchemeValue | None = None
    reason_retry: SchemeValue | None = None
    offered_costs: Costs | None = None
    retry_after: dt.datetime | None = None
    retry_before: dt.datetime | None = None


@dataclass
class StatusInfo:
    status: Status
    last_change: dt.datetime
    expected_delivery_date: dt.datetime | None = None
    due_date: dt.datetime | None = None

    XML_ORDER: ClassVar[tuple[str, ...]] = (
        "status", "expected_delivery_date", "due_date", "last_change",
    )


@dataclass
class DeliveryInfo:
    date_sent: dt.datetime
    item_id: str | None = None
    sent_via: SchemeValue | None = None
    sent_to_patron: bool | None = None
    loan_condition: SchemeValue | None = None
    delivered_format: SchemeValue | None = None
    delivery_costs: Costs | None = None


@dataclass
class ReturnInfo:
    return_agency_id: AgencyId | None = None
    name: str | None = None
    physical_address: PhysicalAddress | None = None


# ----------------------------------------------------------------------------- the six messages


@dataclass
class Request:
    ELEMENT: ClassVar[str] = "request"
    header: Header
    bibliographic_info: BibliographicInfo = field(default_factory=BibliographicInfo)
    publication_info: PublicationInfo | None = None
    service_info: ServiceInfo | None = None
    supplier_info: list[SupplierInfo] = field(default_factory=list)
    requested_delivery_info: list[RequestedDeliveryInfo] = field(default_factory=list)
    requesting_agency_info: RequestingAgencyInfo | None = None
    patron_info: PatronInfo | None = None
    billing_info: BillingInfo | None = None


@dataclass
class SupplyingAgencyMessage:
    ELEMENT: ClassVar[str] = "supplyingAgencyMessage"
    header: Header
    message_info: MessageInfo
    status_info: StatusInfo
    delivery_info: DeliveryInfo | None = None
    return_info: ReturnInfo | None = None


@dataclass
class RequestingAgencyMessage:
    ELEMENT: ClassVar[str] = "requestingAgencyMessage"
    header: Header
    action: Action
    note: str | None = None


@dataclass
class RequestConfirmation:
    ELEMENT: ClassVar[str] = "requestConfirmation"
    confirmation_header: ConfirmationHeader
    error_data: ErrorData | None = None


@dataclass
class SupplyingAgencyMessageConfirmation:
    ELEMENT: ClassVar[str] = "supplyingAgencyMessageConfirmation"
    confirmation_header: ConfirmationHeader
    reason_for_message: ReasonForMessage | None = None
    error_data: ErrorData | None = None


@dataclass
class RequestingAgencyMessageConfirmation:
    ELEMENT: ClassVar[str] = "requestingAgencyMessageConfirmation"
    confirmation_header: ConfirmationHeader
    action: Action | None = None
    error_data: ErrorData | None = None


InitiatingMessage = Request | SupplyingAgencyMessage | RequestingAgencyMessage
Confirmation = (RequestConfirmation | SupplyingAgencyMessageConfirmation
                | RequestingAgencyMessageConfirmation)
Message = InitiatingMessage | Confirmation

MESSAGE_CLASSES: tuple[Any, ...] = (
    Request, RequestConfirmation, SupplyingAgencyMessage, SupplyingAgencyMessageConfirmation,
    RequestingAgencyMessage, RequestingAgencyMessageConfirmation,
)
CONFIRMATION_FOR: dict[Any, Any] = {
    Request: RequestConfirmation,
    SupplyingAgencyMessage: SupplyingAgencyMessageConfirmation,
    RequestingAgencyMessage: RequestingAgencyMessageConfirmation,
}
CONFIRMATION_FOR_ELEMENT: dict[str, Any] = {k.ELEMENT: v for k, v in CONFIRMATION_FOR.items()}


def confirm(message: InitiatingMessage | None, *, element: str | None = None,
            header: Header | None = None, error: ErrorData | None = None,
            ok: bool | None = None, now: dt.datetime | None = None) -> Confirmation:
    """The confirmation answering ``message`` (or, when it could not be parsed, its element name
    and whatever header was read): echoes the ids, OK without ``error``, ERROR with it.
    ``ok=True`` forces OK even with errorData (ReShare's answer to a successful probe)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    element = message.ELEMENT if message is not None else (element or Request.ELEMENT)
    header = message.header if message is not None else header
    cls = CONFIRMATION_FOR_ELEMENT.get(element, RequestConfirmation)
    conf_header = ConfirmationHeader(
        timestamp=now,
        timestamp_received=header.timestamp if header is not None else now,
        message_status=MessageStatus.OK if (ok if ok is not None else error is None)
        else MessageStatus.ERROR,
        supplying_agency_id=header.supplying_agency_id if header else None,
        requesting_agency_id=header.requesting_agency_id if header else None,
        requesting_agency_request_id=header.requesting_agency_request_id if header else None,
    )
    if cls is SupplyingAgencyMessageConfirmation:
        reason = message.message_info.reason_for_message if isinstance(
            message, SupplyingAgencyMessage) else None
        return SupplyingAgencyMessageConfirmation(conf_header, reason, error)
    if cls is RequestingAgencyMessageConfirmation:
        action = message.action if isinstance(message, RequestingAgencyMessage) else None
        return RequestingAgencyMessageConfirmation(conf_header, action, error)
    return RequestConfirmation(conf_header, error)


def recipient(message: InitiatingMessage) -> AgencyId:
    """The agency a message is addressed to: the supplier for requests and RAMs."""
    if isinstance(message, SupplyingAgencyMessage):
        return message.header.requesting_agency_id
    return message.header.supplying_agency_id


def sender(message: InitiatingMessage) -> AgencyId:
    if isinstance(message, SupplyingAgencyMessage):
        return message.header.supplying_agency_id
    return message.header.requesting_agency_id


class ReasonUnfilled:
    """Standard values (open list; ReShare and CrossLink send others, accept them)."""

    NON_CIRCULATING = "NonCirculating"
    NOT_AVAILABLE_FOR_ILL = "NotAvailableForILL"
    NOT_HELD = "NotHeld"
    NOT_ON_SHELF = "NotOnShelf"
    POLICY_PROBLEM = "PolicyProblem"
    POOR_CONDITION = "PoorCondition"


class LoanCondition:
    LIBRARY_USE_ONLY = "LibraryUseOnly"
    WATCH_LIBRARY_USE_ONLY = "WatchLibraryUseOnly"
    NO_REPRODUCTION = "NoReproduction"
    SIGNATURE_REQUIRED = "SignatureRequired"
    SPEC_COLL_SUPERV_REQ = "SpecCollSupervReq"
