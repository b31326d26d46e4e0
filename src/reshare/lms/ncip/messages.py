"""Builders for the NCIP 2.02 initiation messages ReShare sends (one function per service).

Each builder returns an ``NCIPMessage`` root in schema order; :func:`reshare.lms.ncip.xml.validate`
checks it before it leaves (the client does that for every message).
"""

from __future__ import annotations

from dataclasses import dataclass

from reshare.lms.ncip.xml import Element, el, message

USER_ELEMENTS = ("Name Information", "User Address Information", "User Privilege", "User Id",
                 "Block Or Trap")


@dataclass(frozen=True)
class Header:
    from_agency: str
    to_agency: str
    app_profile: str = "EZBORROW"
    from_agency_authentication: str = ""


@dataclass(frozen=True)
class Bib:
    title: str = ""
    author: str = ""
    isbn: str = ""
    call_number: str = ""


def _header(parent: Element, h: Header) -> None:
    header = el(parent, "InitiationHeader")
    el(el(header, "FromAgencyId"), "AgencyId", h.from_agency)
    if h.from_agency_authentication:
        el(header, "FromAgencyAuthentication", h.from_agency_authentication)
    el(el(header, "ToAgencyId"), "AgencyId", h.to_agency or h.from_agency)
    if h.app_profile:
        el(header, "ApplicationProfileType", h.app_profile)


def _id(parent: Element, kind: str, value: str, agency: str = "", id_type: str = "") -> None:
    node = el(parent, f"{kind}Id")
    if agency:
        el(node, "AgencyId", agency)
    if id_type:
        el(node, f"{kind}IdentifierType", id_type)
    el(node, f"{kind}IdentifierValue", value)


def _start(service: str, h: Header) -> tuple[Element, Element]:
    root, _ = message()
    body = el(root, service)
    _header(body, h)
    return root, body


def lookup_user(h: Header, *, user_id: str = "", user_name: str = "", barcode: str = "",
                pin: str = "") -> Element:
    """By user id; or by authentication inputs: the user name (the retry NCIP 2 profiles make)
    or a barcode with its PIN (patron self-identification)."""
    root, body = _start("LookupUser", h)
    inputs = [(kind, value) for kind, value in (("Username", user_name), ("Barcode Id", barcode),
                                                ("PIN", pin)) if value]
    for kind, value in inputs:
        auth = el(body, "AuthenticationInput")
        el(auth, "AuthenticationInputData", value)
        el(auth, "AuthenticationDataFormatType", "text/plain")
        el(auth, "AuthenticationInputType", kind)
    if not inputs:
        _id(body, "User", user_id, h.to_agency or h.from_agency)
    for name in USER_ELEMENTS:
        el(body, "UserElementType", name)
    return root


def _bib(parent: Element, bib: Bib) -> None:
    if not (bib.title or bib.author or bib.isbn or bib.call_number):
        return
    fields = el(parent, "ItemOptionalFields")
    if bib.title or bib.author or bib.isbn:
        desc = el(fields, "BibliographicDescription")
        if bib.author:
            el(desc, "Author", bib.author)
        if bib.isbn:
            item_id = el(desc, "BibliographicItemId")
            el(item_id, "BibliographicItemIdentifier", bib.isbn)
            el(item_id, "BibliographicItemIdentifierCode", "ISBN")
        if bib.title:
            el(desc, "Title", bib.title)
    if bib.call_number:
        el(el(fields, "ItemDescription"), "CallNumber", bib.call_number)


def accept_item(h: Header, *, request_id: str, item_id: str, user_id: str, bib: Bib,
                pickup_location: str = "", requested_action: str = "Hold For Pickup") -> Element:
    root, body = _start("AcceptItem", h)
    _id(body, "Request", request_id, h.to_agency or h.from_agency)
    el(body, "RequestedActionType", requested_action)
    if user_id:
        _id(body, "User", user_id)
    _id(body, "Item", item_id)
    _bib(body, bib)
    if pickup_location:
        el(body, "PickupLocation", pickup_location)
    return root


def check_out_item(h: Header, *, user_id: str, item_id: str, request_id: str = "") -> Element:
    root, body = _start("CheckOutItem", h)
    _id(body, "User", user_id, h.to_agency or h.from_agency)
    _id(body, "Item", item_id, h.to_agency or h.from_agency)
    if request_id:
        _id(body, "Request", request_id)
    return root


def check_in_item(h: Header, *, item_id: str) -> Element:
    root, body = _start("CheckInItem", h)
    _id(body, "Item", item_id, h.to_agency or h.from_agency)
    el(body, "ItemElementType", "Bibliographic Description")
    return root


def request_item(h: Header, *, user_id: str, bib_record_id: str, bib_id_code: str,
                 request_id: str, request_type: str, scope: str,
                 pickup_location: str = "") -> Element:
    root, body = _start("RequestItem", h)
    _id(body, "User", user_id, h.to_agency or h.from_agency)
    record = el(el(body, "BibliographicId"), "BibliographicRecordId")
    el(record, "BibliographicRecordIdentifier", bib_record_id)
    el(record, "BibliographicRecordIdentifierCode", bib_id_code)
    if request_id:
        _id(body, "Request", request_id)
    el(body, "RequestType", request_type)
    el(body, "RequestScopeType", scope)
    if pickup_location:
        el(body, "PickupLocation", pickup_location)
    return root


def cancel_request_item(h: Header, *, user_id: str, request_id: str,
                        request_type: str) -> Element:
    root, body = _start("CancelRequestItem", h)
    _id(body, "User", user_id, h.to_agency or h.from_agency)
    _id(body, "Request", request_id, h.to_agency or h.from_agency)
    el(body, "RequestType", request_type)
    return root


def delete_item(h: Header, *, item_id: str) -> Element:
    root, body = _start("DeleteItem", h)
    _id(body, "Item", item_id, h.to_agency or h.from_agency)
    return root


def create_user_fiscal_transaction(h: Header, *, user_id: str, item_id: str, amount: str,
                                   currency: str = "USD", request_id: str = "",
                                   transaction_type: str = "Service Charge") -> Element:
    """An automatic patron fee (SLNP): a Debit of ``amount`` minor units (schema: integer)."""
    root, body = _start("CreateUserFiscalTransaction", h)
    _id(body, "User", user_id, h.to_agency or h.from_agency)
    info = el(body, "FiscalTransactionInformation")
    el(info, "FiscalActionType", "Assess")
    el(info, "FiscalTransactionType", transaction_type)
    money = el(info, "Amount")
    el(money, "CurrencyCode", currency)
    el(money, "MonetaryValue", amount)
    if request_id:
        _id(info, "Request", request_id)
    if item_id:
        details = el(info, "ItemDetails")
        _id(details, "Item", item_id)
        el(details, "BibliographicDescription")
    return root
