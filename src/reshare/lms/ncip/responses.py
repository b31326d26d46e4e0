"""Reading NCIP responses: Problems (2.x in the service response or directly under NCIPMessage,
and NCIP 1 ProcessingError / MessagingError), and the fields ReShare uses from each service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from reshare.lms.ncip.xml import Element, child, children, find_all, local, parse_xml, text

# A single problem of one of these types on CheckInItem means "already checked in" (PR-1550).
ALREADY_CHECKED_IN = frozenset({"Item Not Checked Out", "9022", "Not On Loan", "Unknown Item"})
TRANSPORT_FAILURE = "Transport Failure"


@dataclass(frozen=True)
class Problem:
    type: str
    detail: str = ""
    element: str = ""
    value: str = ""

    def describe(self) -> str:
        parts = [self.type]
        if self.detail and self.detail != self.type:
            parts.append(self.detail)
        if self.element:
            parts.append(f"element {self.element}")
        if self.value:
            parts.append(f"value {self.value!r}")
        return ": ".join(parts[:2]) + "".join(f" ({p})" for p in parts[2:])


@dataclass
class NcipResponse:
    service: str  # e.g. "LookupUserResponse"; "" when there is no service element
    body: Element | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.body is not None

    def reason(self) -> str:
        if not self.problems:
            return "" if self.body is not None else "the LMS answered with no service response"
        return "; ".join(p.describe() for p in self.problems)

    def text(self, *path: str) -> str:
        return text(self.body, *path)


def _problem_v2(node: Element) -> Problem:
    return Problem(type=text(node, "ProblemType"), detail=text(node, "ProblemDetail"),
                   element=text(node, "ProblemElement"), value=text(node, "ProblemValue"))


def _problem_v1(node: Element) -> Problem:
    for kind in ("ProcessingError", "MessagingError"):
        err = child(node, kind)
        if err is not None:
            type_node = child(err, f"{kind}Type")
            value = text(type_node, "Value") or text(type_node)
            return Problem(type=value or kind, detail=text(err, f"{kind}Value"),
                           element=text(err, f"{kind}Element", "ElementName"))
    return _problem_v2(node)


def _problems(node: Element | None) -> list[Problem]:
    found = []
    for p in children(node, "Problem"):
        is_v1 = child(p, "ProcessingError") is not None or child(p, "MessagingError") is not None
        found.append(_problem_v1(p) if is_v1 else _problem_v2(p))
    return found


def _services(node: Element) -> list[Element]:
    return [c for c in node if isinstance(c.tag, str) and local(c) not in {"Problem", "Ext"}]


def parse_response(data: bytes) -> NcipResponse:
    """Parse any NCIP response; unparseable input becomes a Problem, never an exception."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        return NcipResponse("", problems=[Problem("Invalid Message Syntax Error", str(exc))])
    top = _problems(root)
    services = _services(root)
    if not services:  # 2.0-era LookupItemSet examples wrap the response in Ext
        for ext in children(root, "Ext"):
            services = _services(ext)
    if not services:
        problems = top or [Problem("Protocol Error", f"no service response in <{local(root)}>")]
        return NcipResponse("", problems=problems)
    body = services[0]
    return NcipResponse(local(body), body=body, problems=top + _problems(body))


def already_checked_in(response: NcipResponse) -> bool:
    return len(response.problems) == 1 and response.problems[0].type in ALREADY_CHECKED_IN


# --- LookupUser ------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    given_name: str | None
    surname: str | None
    email: str
    tel: str
    blocked: bool
    profile: str
    blocks: tuple[str, ...] = ()


def _names(fields: Element | None) -> tuple[str | None, str | None]:
    personal = child(fields, "NameInformation", "PersonalNameInformation")
    given = text(personal, "StructuredPersonalUserName", "GivenName")
    surname = text(personal, "StructuredPersonalUserName", "Surname")
    if not (given or surname):
        unstructured = text(personal, "UnstructuredPersonalUserName")
        if "," in unstructured:
            surname, given = (s.strip() for s in unstructured.split(",", 1))
        else:
            surname = unstructured
    return (given or None), (surname or None)  # blank names become null (#873)


def _contact(fields: Element | None) -> tuple[str, str]:
    addresses: dict[str, str] = {}
    for info in children(fields, "UserAddressInformation"):
        addr = child(info, "ElectronicAddress")
        if addr is not None:
            addresses.setdefault(text(addr, "ElectronicAddressType"),
                                 text(addr, "ElectronicAddressData"))
    email = addresses.get("emailAddress") or addresses.get("mailto") or addresses.get("mailTo", "")
    tel = addresses.get("tel", "")
    return email, tel


def _privileges(fields: Element | None) -> tuple[bool, str]:
    privileges = [(text(p, "AgencyUserPrivilegeType"),
                   text(p, "UserPrivilegeStatus", "UserPrivilegeStatusType"))
                  for p in children(fields, "UserPrivilege")]
    blocked = any(k.upper() == "STATUS" and v.upper() == "BLOCKED" for k, v in privileges)
    profile = next((v for k, v in privileges if k.upper() == "PROFILE"), "")
    if not profile:
        profile = next((k for k, v in privileges if v.lower() in {"active", "ok"}), "")
    if not profile and len(privileges) == 1:
        profile = privileges[0][0]
    return blocked, profile


def read_user(response: NcipResponse) -> UserInfo:
    fields = child(response.body, "UserOptionalFields")
    given, surname = _names(fields)
    email, tel = _contact(fields)
    blocked, profile = _privileges(fields)
    blocks = tuple(text(b, "BlockOrTrapType") for b in children(fields, "BlockOrTrap"))
    return UserInfo(user_id=response.text("UserId", "UserIdentifierValue"), given_name=given,
                    surname=surname, email=email, tel=tel, blocked=blocked, profile=profile,
                    blocks=blocks)


# --- dates ------------------------------------------------------------


def parse_due_date(value: str) -> dt.datetime | None:
    """An LMS due date: ISO 8601 with or without time / zone; naive values are taken as UTC."""
    value = value.strip()
    if not value:
        return None
    candidate = value.replace(" ", "T", 1) if " " in value and "T" not in value else value
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def due_date_of(response: NcipResponse) -> dt.datetime | None:
    return parse_due_date(response.text("DateDue"))


def all_problem_types(response: NcipResponse) -> list[str]:
    return [p.type for p in response.problems]


__all__ = ["ALREADY_CHECKED_IN", "NcipResponse", "Problem", "UserInfo", "already_checked_in",
           "due_date_of", "find_all", "parse_due_date", "parse_response", "read_user"]
