"""The simulator's NCIP 2.02 responder: reads a request (namespaced or not), applies it to the
:class:`~reshare.lms.sim.state.Library` and answers with a schema-valid NCIP 2.02 response."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from reshare.lms.ncip.xml import (
    Element,
    child,
    children,
    el,
    local,
    message,
    parse_xml,
    schema,
    text,
    to_bytes,
)
from reshare.lms.sim.state import Library, SimProblem

Handler = Callable[[Library, Element, Element], None]


def _id(parent: Element, kind: str, value: str) -> None:
    el(el(parent, f"{kind}Id"), f"{kind}IdentifierValue", value)


def _problem(parent: Element, p: SimProblem) -> None:
    node = el(parent, "Problem")
    el(node, "ProblemType", p.type)
    if p.detail:
        el(node, "ProblemDetail", p.detail)
    if p.element:
        el(node, "ProblemElement", p.element)
    if p.value:
        el(node, "ProblemValue", p.value)


def _lookup_user(lib: Library, req: Element, out: Element) -> None:
    user_value = text(req, "UserId", "UserIdentifierValue")
    inputs = {text(a, "AuthenticationInputType"): text(a, "AuthenticationInputData")
              for a in children(req, "AuthenticationInput")}
    if user_value:
        patron = lib.patron(user_value)
    elif "Barcode Id" in inputs:
        patron = lib.authenticate(inputs["Barcode Id"], inputs.get("PIN", ""))
    else:
        patron = lib.patron(inputs.get("Username", ""), by_username=True)
    _id(out, "User", patron.id)
    fields = el(out, "UserOptionalFields")
    name = el(el(el(fields, "NameInformation"), "PersonalNameInformation"),
              "StructuredPersonalUserName")
    if patron.given_name:
        el(name, "GivenName", patron.given_name)
    el(name, "Surname", patron.surname or patron.id)
    if patron.email:
        address = el(fields, "UserAddressInformation")
        el(address, "UserAddressRoleType", "Home")
        electronic = el(address, "ElectronicAddress")
        el(electronic, "ElectronicAddressType", "emailAddress")
        el(electronic, "ElectronicAddressData", patron.email)
    for kind, value in (("PROFILE", patron.profile),
                        ("STATUS", "BLOCKED" if patron.blocked else "ACTIVE")):
        privilege = el(fields, "UserPrivilege")
        el(privilege, "AgencyId", lib.agency)
        el(privilege, "AgencyUserPrivilegeType", kind)
        el(el(privilege, "UserPrivilegeStatus"), "UserPrivilegeStatusType", value)
    if patron.blocked:
        block = el(fields, "BlockOrTrap")
        el(block, "AgencyId", lib.agency)
        el(block, "BlockOrTrapType", "Blocked: fines owed")


def _check_out(lib: Library, req: Element, out: Element) -> None:
    loan = lib.check_out(text(req, "UserId", "UserIdentifierValue"),
                         text(req, "ItemId", "ItemIdentifierValue"),
                         text(req, "RequestId", "RequestIdentifierValue"))
    _id(out, "Item", loan.barcode)
    _id(out, "User", loan.patron_id)
    el(out, "DateDue", loan.due)


def _check_in(lib: Library, req: Element, out: Element) -> None:
    item, loan = lib.check_in(text(req, "ItemId", "ItemIdentifierValue"))
    _id(out, "Item", item.barcode)
    _id(out, "User", loan.patron_id)
    desc = el(el(out, "ItemOptionalFields"), "BibliographicDescription")
    if item.author:
        el(desc, "Author", item.author)
    el(desc, "Title", item.title)


def _accept_item(lib: Library, req: Element, out: Element) -> None:
    bib = child(req, "ItemOptionalFields", "BibliographicDescription")
    request_id = text(req, "RequestId", "RequestIdentifierValue")
    item = lib.accept_item(request_id, text(req, "ItemId", "ItemIdentifierValue"),
                           text(req, "UserId", "UserIdentifierValue"), text(bib, "Title"),
                           text(bib, "Author"), text(req, "PickupLocation"))
    _id(out, "Request", request_id)
    _id(out, "Item", item.barcode)


def _delete_item(lib: Library, req: Element, out: Element) -> None:
    barcode = text(req, "ItemId", "ItemIdentifierValue")
    lib.delete_item(barcode)
    _id(out, "Item", barcode)


def _request_item(lib: Library, req: Element, out: Element) -> None:
    bib_id = text(req, "BibliographicId", "BibliographicRecordId", "BibliographicRecordIdentifier")
    hold = lib.request_item(text(req, "UserId", "UserIdentifierValue"), bib_id,
                            text(req, "RequestId", "RequestIdentifierValue"),
                            text(req, "RequestType"), text(req, "PickupLocation"))
    _id(out, "Request", hold.request_id)
    if hold.barcode:
        _id(out, "Item", hold.barcode)
    _id(out, "User", hold.patron_id)
    el(out, "RequestType", text(req, "RequestType"))
    el(out, "RequestScopeType", text(req, "RequestScopeType"))


def _cancel_request(lib: Library, req: Element, out: Element) -> None:
    hold = lib.cancel_request(text(req, "RequestId", "RequestIdentifierValue"))
    _id(out, "Request", hold.request_id)
    _id(out, "User", hold.patron_id)


def _fiscal(lib: Library, req: Element, out: Element) -> None:
    info = child(req, "FiscalTransactionInformation")
    fee = lib.add_fee(text(req, "UserId", "UserIdentifierValue"),
                      text(info, "Amount", "MonetaryValue"), text(info, "Amount", "CurrencyCode"),
                      text(info, "ItemDetails", "ItemId", "ItemIdentifierValue"))
    _id(out, "User", fee.patron_id)
    ref = el(out, "FiscalTransactionReferenceId")
    el(ref, "AgencyId", lib.agency)
    el(ref, "FiscalTransactionIdentifierValue", f"fee-{len(lib.fees)}")


HANDLERS: dict[str, Handler] = {
    "LookupUser": _lookup_user, "CheckOutItem": _check_out, "CheckInItem": _check_in,
    "AcceptItem": _accept_item, "DeleteItem": _delete_item, "RequestItem": _request_item,
    "CancelRequestItem": _cancel_request, "CreateUserFiscalTransaction": _fiscal,
}


def _answer(service: str, fill: Callable[[Element], None]) -> bytes:
    root, _ = message()
    body = el(root, f"{service}Response")
    fill(body)
    return to_bytes(root)


def respond(lib: Library, data: bytes) -> bytes:
    """One NCIP exchange. Namespaced requests must validate (a real LMS rejects bad NCIP)."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        return _top_problem(SimProblem("Invalid Message Syntax Error", str(exc)))
    if etree.QName(root).namespace and not schema().validate(root):
        detail = "; ".join(e.message for e in schema().error_log)[:500]
        return _top_problem(SimProblem("Invalid Message Syntax Error", detail))
    services = [c for c in root if isinstance(c.tag, str)]
    if not services:
        return _top_problem(SimProblem("Needed Data Missing", "no service element"))
    request = services[0]
    service = local(request)
    handler = HANDLERS.get(service)
    if handler is None:
        return _top_problem(SimProblem("Unsupported Service", f"{service} is not supported",
                                       service))
    def fill(body: Element) -> None:
        try:
            with lib.lock:
                handler(lib, request, body)
        except SimProblem as problem:
            for node in list(body):
                body.remove(node)
            _problem(body, problem)

    return _answer(service, fill)


def _top_problem(problem: SimProblem) -> bytes:
    root, _ = message()
    _problem(root, problem)
    return to_bytes(root)
