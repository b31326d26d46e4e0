"""From a parsed OpenURL to a created request: tenant, pickup location, patron, engine call.

The web routes (``api.py``) stay thin; everything they decide is here, so it is testable and
the decisions are in one place.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from reshare.errors import NotFound, Unavailable, ValidationFailed
from reshare.openurl.model import OpenUrlRequest
from reshare.settings import service as settings_service
from reshare.tenancy import service as tenancy

if TYPE_CHECKING:
    from reshare.platform import Platform

# OpenURL fields the engine's NewRequest has under the same name.
_SAME = ("title", "author", "subtitle", "isbn", "issn", "oclc_number", "publisher",
         "publication_date", "place_of_publication", "edition", "volume", "issue", "start_page",
         "number_of_pages", "publication_type", "title_of_component", "author_of_component",
         "service_level", "copyright_type", "patron_email", "pickup_location", "patron_note",
         "referrer_id")
_EXTRA = ("doi", "pmid", "eissn", "coden", "sici", "bici", "part", "artnum", "ssn", "quarter",
          "illiad_id", "stitle", "genre", "context_id", "version")


@dataclass(frozen=True)
class PickupChoice:
    slug: str
    name: str


def tenant_by_code(platform: Platform, code: str) -> tuple[int, str, str]:
    """(id, code, name) of an active tenant, or NotFound with a message a patron understands."""
    try:
        info = tenancy.get_tenant(platform.db, code)
    except (NotFound, ValidationFailed):
        raise NotFound(f"There is no library called {code} on this service. Check the link you "
                       "followed, or ask your library for the right one.",
                       code="unknown_tenant") from None
    return info.id, info.code, info.name


def _directory() -> Any | None:
    try:
        return importlib.import_module("reshare.directory.service")
    except ImportError:
        return None


def pickup_choices(platform: Platform, tenant_id: int) -> list[PickupChoice] | None:
    """The library's pickup locations; None when the directory is not installed."""
    directory = _directory()
    if directory is None or not hasattr(directory, "pickup_locations"):
        return None
    with platform.db.tenant(tenant_id) as session:
        return [PickupChoice(p.slug, p.name)
                for p in directory.pickup_locations(session, tenant_id)]


def tenant_for_pickup(platform: Platform, slug: str) -> str:
    """The code of the library that has this pickup location (``/openurl`` without tenant)."""
    for info in tenancy.list_tenants(platform.db):
        choices = pickup_choices(platform, info.id) or []
        if any(c.slug == slug for c in choices):
            return info.code
    raise NotFound(f"No library has the pickup location {slug!r}. Use your library's own "
                   "request link.", code="unknown_pickup_location")


def check_pickup(req: OpenUrlRequest, choices: list[PickupChoice] | None) -> None:
    if not req.pickup_location or choices is None:
        return
    if not any(c.slug == req.pickup_location for c in choices):
        known = ", ".join(c.name for c in choices) or "none configured"
        raise ValidationFailed(f"The pickup location {req.pickup_location!r} is not one of "
                               f"this library's ({known}). Please choose one.",
                               code="unknown_pickup_location")


def patron_header(platform: Platform, tenant_id: int) -> str | None:
    with platform.db.tenant(tenant_id) as session:
        value = settings_service.get_value(session, "openurl_patron_header")
    return value.strip() if value and value.strip() else None


def apply_patron(req: OpenUrlRequest, header_name: str | None,
                 headers: dict[str, str]) -> None:
    """With a trusted header configured, it is the only source of the patron's identity."""
    if header_name:
        value = headers.get(header_name.lower(), "").strip()
        req.patron_identifier = value or None
    if not req.patron_identifier:
        hint = ("your login did not reach us; log in to your library first" if header_name
                else "the link does not say who you are (req_id)")
        raise ValidationFailed(f"We cannot tell who is asking: {hint}.", code="invalid_patron")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        raise ValidationFailed(f"'Needed by' must be a date like 2026-12-24, not {value!r}.",
                               code="bad_needed_by") from None


def new_request_fields(req: OpenUrlRequest) -> dict[str, Any]:
    """Keyword arguments for the engine's ``NewRequest``."""
    values: dict[str, Any] = {name: getattr(req, name) or "" for name in _SAME}
    values["patron_id"] = req.patron_identifier or ""
    values["pages"] = req.pages_requested or ""
    values["system_instance_id"] = req.system_instance_identifier or ""
    values["service_type"] = "Copy" if req.service_type == "copy" else "Loan"
    values["needed_by"] = _date(req.needed_by)
    values["requesting_symbol"] = req.requesting_org or ""
    if req.max_cost_amount:
        try:
            values["max_cost"] = Decimal(req.max_cost_amount)
        except InvalidOperation:
            raise ValidationFailed("The maximum cost must be a number.",
                                   code="bad_cost") from None
        values["max_cost_currency"] = req.max_cost_currency or ""
    extra = {name: getattr(req, name) for name in _EXTRA if getattr(req, name)}
    if req.identifiers:
        extra["identifiers"] = list(req.identifiers)
    values["extra"] = {"openurl": extra}
    return values


def create(platform: Platform, tenant_id: int, req: OpenUrlRequest) -> Any:
    """Create the request through the engine; Unavailable when it is not installed."""
    try:
        service = importlib.import_module("reshare.requests.service")
        model = importlib.import_module("reshare.requests.model")
    except ImportError:
        raise Unavailable("Requests cannot be taken yet: the request engine is not installed "
                          "on this service.", code="engine_missing") from None
    data = model.NewRequest(**new_request_fields(req))
    return service.create_request(platform, tenant_id, data,
                                  actor=f"openurl:{req.patron_identifier}")
