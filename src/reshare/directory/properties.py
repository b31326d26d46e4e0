"""Custom properties of directory entries: the known keys, their validation, local vs shared.

*Shared* properties belong to the entry and travel in the feed (only the owning library changes
them). *Local* properties are one library's private notes about an entry, any entry: e.g. the
patron account in *my* LMS that loans to that borrower are checked out to. Free keys are
allowed and are shared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reshare.errors import ValidationFailed

LOAN_POLICIES = ("lending_all_types", "not_lending", "lending_physical_only",
                 "lending_electronic_only")
LENDING_POLICIES = (None, "lending_all_types", "lending_physical_only")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
_RATIO = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def _text(key: str, value: str) -> str:
    if len(value) > 255:
        raise ValidationFailed(f"{key} is too long (at most 255 characters)",
                               details={"key": key})
    return value


def _loan_policy(key: str, value: str) -> str:
    norm = value.lower().replace(" ", "_")
    if norm not in LOAN_POLICIES:
        raise ValidationFailed(f"{value!r} is not a loan policy; {key} is one of "
                               f"{', '.join(LOAN_POLICIES)}",
                               details={"key": key, "allowed": list(LOAN_POLICIES)})
    return norm


def parse_ratio(value: str) -> tuple[int, int]:
    """``"2:1"`` → ``(2, 1)`` (loans : borrowings)."""
    match = _RATIO.match(value)
    if not match or int(match.group(2)) == 0 or int(match.group(1)) == 0:
        raise ValidationFailed(
            f"policy.ill.InstitutionalLoanToBorrowRatio must be loan:borrow with two whole "
            f"numbers above 0, e.g. 1:1 or 2:1, got {value!r}",
            details={"key": "policy.ill.InstitutionalLoanToBorrowRatio"})
    return int(match.group(1)), int(match.group(2))


def _ratio(key: str, value: str) -> str:
    loan, borrow = parse_ratio(value)
    return f"{loan}:{borrow}"


def parse_headers(value: str) -> dict[str, str]:
    """``"X-Api-Key:abc,X-Other:1"`` → ``{"X-Api-Key": "abc", "X-Other": "1"}``."""
    headers: dict[str, str] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        name, sep, content = part.partition(":")
        if not sep or not _HEADER_NAME.match(name.strip()) or not content.strip():
            raise ValidationFailed(
                f"AdditionalHeaders must be Name:value pairs separated by commas, e.g. "
                f"X-Api-Key:abc123,X-Okapi-Tenant:njsoos; {part.strip()!r} is not one",
                details={"key": "AdditionalHeaders"})
        headers[name.strip()] = content.strip()
    if not headers:
        raise ValidationFailed("AdditionalHeaders is empty: give Name:value pairs",
                               details={"key": "AdditionalHeaders"})
    return headers


def _headers(key: str, value: str) -> str:
    return ",".join(f"{k}:{v}" for k, v in parse_headers(value).items())


def _patron_id(key: str, value: str) -> str:
    if any(c.isspace() for c in value):
        raise ValidationFailed(f"{key} is a patron barcode or id without spaces, got {value!r}",
                               details={"key": key})
    return _text(key, value)


@dataclass(frozen=True)
class PropertyDef:
    key: str
    local: bool
    label: str
    check: Callable[[str, str], str]


KNOWN: dict[str, PropertyDef] = {d.key: d for d in (
    PropertyDef("local_institutionalPatronId", True, "Institutional patron ID", _patron_id),
    PropertyDef("folio_location_filter", True, "FOLIO location filter", _text),
    PropertyDef("ALMA_AGENCY_ID", True, "Alma agency ID", _patron_id),
    PropertyDef("policy.ill.loan_policy", False, "ILL loan policy", _loan_policy),
    PropertyDef("policy.ill.InstitutionalLoanToBorrowRatio", False,
                "ILL loan to borrow ratio", _ratio),
    PropertyDef("AdditionalHeaders", False, "Extra HTTP headers for ISO 18626", _headers),
)}


def is_local(key: str) -> bool:
    definition = KNOWN.get(key)
    return definition is not None and definition.local


def validate_property(key: str, value: str) -> str:
    """Return the stored form of a property value, or raise saying what is wrong."""
    key = key.strip()
    if not _KEY.match(key):
        raise ValidationFailed(f"property name {key!r} is not valid: start with a letter; "
                               "letters, digits, '.', '_' or '-'", details={"key": key})
    value = str(value).strip()
    if not value:
        raise ValidationFailed(f"{key} needs a value (remove the property to clear it)",
                               details={"key": key})
    definition = KNOWN.get(key)
    if definition is None:
        return _text(key, value)
    return definition.check(key, value)


def is_lending(properties: dict[str, str]) -> bool:
    """ReShare's rule: a peer lends unless its loan policy says otherwise."""
    return properties.get("policy.ill.loan_policy") in LENDING_POLICIES
