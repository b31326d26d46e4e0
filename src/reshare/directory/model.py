"""Pure rules of the directory: entry types, symbols, slugs, tags, addresses, services and
the custom properties whose values are validated. No database, no web."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reshare.errors import ValidationFailed

SYMBOL_HINT = "symbols are written AUTHORITY:SYMBOL, e.g. RESHARE:NJSOOS or ISIL:US-NJSOOS"
_SYMBOL_PART = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PICKUP_TAG = "pickup"


class EntryType(StrEnum):
    CONSORTIUM = "consortium"
    INSTITUTION = "institution"
    BRANCH = "branch"


class EntryStatus(StrEnum):
    MANAGED = "managed"  # maintained by a tenant of this installation
    REFERENCE = "reference"  # learned from a peer installation's feed


# Which parent types each entry type accepts (None: no parent).
ALLOWED_PARENTS: dict[EntryType, tuple[EntryType | None, ...]] = {
    EntryType.CONSORTIUM: (None,),
    EntryType.INSTITUTION: (None, EntryType.CONSORTIUM),
    EntryType.BRANCH: (EntryType.INSTITUTION, EntryType.BRANCH),
}


def entry_type(value: str) -> EntryType:
    try:
        return EntryType(value.strip().lower())
    except ValueError:
        raise ValidationFailed(
            f"unknown entry type {value!r}: use consortium, institution or branch",
            details={"field": "type"}) from None


def check_parent(child: EntryType, parent: EntryType | None) -> None:
    allowed = ALLOWED_PARENTS[child]
    if parent in allowed:
        return
    if parent is None:
        raise ValidationFailed(f"a {child} needs a parent ({' or '.join(str(a) for a in allowed)})"
                               ", e.g. --parent NJSOOS", details={"field": "parent"})
    if allowed == (None,):
        raise ValidationFailed(f"a {child} is a root entry and cannot have a parent",
                               details={"field": "parent"})
    names = " or ".join("none" if a is None else str(a) for a in allowed)
    raise ValidationFailed(f"a {child} cannot be a unit of a {parent}; its parent must be "
                           f"{names}", details={"field": "parent"})


# --- symbols ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Symbol:
    authority: str
    code: str

    def __str__(self) -> str:
        return f"{self.authority}:{self.code}"


def parse_symbol(raw: str) -> Symbol:
    """``"reshare:njsoos"`` → ``Symbol("RESHARE", "NJSOOS")``; split on the first colon."""
    authority, sep, code = raw.strip().upper().partition(":")
    authority, code = authority.strip(), code.strip()
    if not sep or not _SYMBOL_PART.match(authority) or not _SYMBOL_PART.match(code):
        raise ValidationFailed(f"{raw!r} is not a symbol: {SYMBOL_HINT}",
                               details={"field": "symbol", "value": raw})
    return Symbol(authority, code)


# --- slugs, tags, addresses ------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "entry"


def check_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise ValidationFailed(
            f"slug {slug!r} is not valid: lower-case letters, digits, '-' or '_' "
            "(e.g. njsoos-main)",
            details={"field": "slug"})
    return slug


def normalise_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    clean = []
    for tag in tags:
        norm = tag.strip().lower()
        if not _TAG.match(norm):
            raise ValidationFailed(f"tag {tag!r} is not valid: a short lower-case word such as "
                                   f"'{PICKUP_TAG}'", details={"field": "tags"})
        if norm not in clean:
            clean.append(norm)
    return sorted(clean)


ADDRESS_TYPES = ("shipping", "billing", "postal", "physical", "other")


def normalise_address(raw: dict[str, Any]) -> dict[str, Any]:
    """An address: ``{"type": "shipping", "label": ..., "lines": [...], "country_code": ...}``."""
    kind = str(raw.get("type", "")).strip().lower()
    if kind not in ADDRESS_TYPES:
        raise ValidationFailed(f"address type {kind!r} is not allowed; use one of "
                               f"{', '.join(ADDRESS_TYPES)}", details={"field": "addresses"})
    lines = raw.get("lines") or []
    if not isinstance(lines, list) or not lines or not all(
            isinstance(line, str) and line.strip() for line in lines):
        raise ValidationFailed("an address needs one or more non-empty lines, e.g. "
                               "['Main Library', '1 College Ave', 'Newark NJ 07102']",
                               details={"field": "addresses"})
    return {"type": kind, "label": str(raw.get("label") or kind.title()).strip(),
            "lines": [line.strip() for line in lines],
            "country_code": str(raw.get("country_code") or "").strip().upper()}


# --- services --------------------------------------------------------------------------------


class ServiceType(StrEnum):
    ISO18626 = "ISO18626"
    RS_STATS = "RS_STATS"
    NCIP = "NCIP"
    Z3950 = "Z3950"


# ReShare's business function of each kind of service.
BUSINESS_FUNCTION = {ServiceType.ISO18626: "ILL", ServiceType.RS_STATS: "RS_STATS",
                     ServiceType.NCIP: "CIRC", ServiceType.Z3950: "RTAC"}
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}(/\S*)?$")


def service_type(value: str) -> ServiceType:
    norm = value.strip().upper().replace(".", "").replace("-", "_")
    norm = {"ISO_18626": "ISO18626", "STATS": "RS_STATS", "Z39_50": "Z3950"}.get(norm, norm)
    try:
        return ServiceType(norm)
    except ValueError:
        raise ValidationFailed(f"unknown service type {value!r}: use one of "
                               f"{', '.join(t.value for t in ServiceType)}",
                               details={"field": "type"}) from None


def check_service_address(kind: ServiceType, address: str) -> str:
    address = address.strip()
    if kind == ServiceType.Z3950:
        if not _HOST_PORT.match(address) and not re.match(r"^https?://\S+$", address):
            raise ValidationFailed(f"a Z39.50 address is host:port/database (e.g. "
                                   f"z3950.library.edu:210/catalog), got {address!r}",
                                   details={"field": "address"})
        return address
    if not re.match(r"^https?://[^\s/]+\S*$", address):
        raise ValidationFailed(f"a {kind.value} address must be an http(s) URL such as "
                               f"https://ill.library.edu/iso18626, got {address!r}",
                               details={"field": "address"})
    return address
