"""The LMS capability's entry points for the request engine: a tenant's LmsPort and
AvailabilityPort, built from its settings, and the institutional patron id for a requester.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from reshare.db import ScopedSession
from reshare.errors import ReshareError
from reshare.lms import preferences
from reshare.lms.adapter import ManualLms, NcipLms, NcipOptions, Switches
from reshare.lms.availability import (
    CatalogueAvailability,
    ManualAvailability,
    ProxySearcher,
    Searcher,
    SruSearcher,
    ZoomSearcher,
)
from reshare.lms.ncip.client import NcipClient
from reshare.lms.ncip.messages import Header
from reshare.lms.profiles import LmsProfile, profile_for
from reshare.lms.z3950.holdings import ItemLocation
from reshare.platform import Platform
from reshare.requests.ports import AvailabilityPort, LmsPort, NullAvailability, NullLms
from reshare.settings.service import get_value, get_values

NCIP_TIMEOUT = 30.0
Z3950_TIMEOUT = 30


def _on(values: dict[str, str | None], key: str, on: str = "ncip") -> bool:
    return (values.get(key) or "").strip().lower() == on


def _settings(platform: Platform, tenant_id: int) -> dict[str, str | None]:
    # read-only: callers may hold a write transaction (the engine building its ports)
    with platform.db.reading(tenant_id) as session:
        return get_values(session)


def lms_for_tenant(platform: Platform, tenant_id: int) -> LmsPort:
    """The tenant's LMS: NullLms when nothing is configured, ManualLms for ``manual``."""
    values = _settings(platform, tenant_id)
    setting = values.get("host_lms_integration")
    if not setting:
        return NullLms()
    profile = profile_for(setting)
    if profile.manual:
        return ManualLms()
    return build_ncip_lms(platform, tenant_id, profile, values)


def build_ncip_lms(platform: Platform | None, tenant_id: int | None, profile: LmsProfile,
                   values: dict[str, str | None]) -> NcipLms:
    address = (values.get("ncip_server_address") or "").strip()
    from_agency = values.get("ncip_from_agency") or ""
    header = Header(from_agency=from_agency, to_agency=values.get("ncip_to_agency") or from_agency,
                    app_profile=values.get("ncip_app_profile") or "EZBORROW",
                    from_agency_authentication=(values.get("ncip_from_agency_authentication")
                                                or "") if profile.name == "ncsu" else "")
    client = NcipClient(address, header, namespaced=profile.namespaced, timeout=NCIP_TIMEOUT,
                        log_traffic=_on(values, "loggingNCIP", "yes")) if address else None
    switches = Switches(**{k: _on(values, k) for k in (
        "borrower_check", "check_out_item", "check_in_item", "accept_item", "use_request_item")})
    options = NcipOptions(
        use_due_date=not _on(values, "ncip_use_due_date", "off"),
        use_title_request_type=_on(values, "ncip_use_title_request_type", "yes"),
        request_item_pickup_location=values.get("ncip_request_item_pickup_location") or "")
    allowed = _profile_checker(platform, tenant_id) if platform and tenant_id else None
    return NcipLms(profile, client, switches, options, profile_allowed=allowed)


def _profile_checker(platform: Platform, tenant_id: int) -> Callable[[str], bool]:
    def allowed(code: str) -> bool:
        with platform.db.tenant(tenant_id) as session:  # its own transaction, as in ReShare
            return preferences.register_patron_profile(session, code)
    return allowed


def _picker(platform: Platform, tenant_id: int) -> Callable[[list[ItemLocation]],
                                                             ItemLocation | None]:
    def pick(items: list[ItemLocation]) -> ItemLocation | None:
        with platform.db.tenant(tenant_id) as session:
            preferences.register_codes(session, items)
            best = preferences.pick_best(session, items)
            return best.item if best is not None else None
    return pick


def searcher_for(profile: LmsProfile, values: dict[str, str | None]) -> Searcher | None:
    """Z39.50 directly (host:port/db), SRU (an http URL), ReShare's proxy, or the WMS connector."""
    if profile.name.startswith("wms"):
        address = (values.get("wms_connector_address") or "").strip()
        if not address:
            return None
        extra = {k: v for k, v in (("user", values.get("wms_api_key")),
                                   ("password", values.get("wms_api_secret")),
                                   ("x-registryId", values.get("wms_registry_id")),
                                   ("x-username", values.get("wms_connector_username")),
                                   ("x-password", values.get("wms_connector_password"))) if v}
        return SruSearcher(address, timeout=Z3950_TIMEOUT, extra=extra)
    target = (values.get("z3950_server_address") or "").strip()
    if not target:
        return None
    if target.startswith(("http://", "https://")):
        return SruSearcher(target, timeout=Z3950_TIMEOUT)
    proxy = (values.get("z3950_proxy_address") or "").strip()
    if proxy:
        return ProxySearcher(proxy, target, timeout=Z3950_TIMEOUT)
    return ZoomSearcher(target, timeout=Z3950_TIMEOUT)


def availability_for_tenant(platform: Platform, tenant_id: int) -> AvailabilityPort:
    values = _settings(platform, tenant_id)
    setting = values.get("host_lms_integration")
    profile = profile_for(setting)
    if setting and profile.manual:
        return ManualAvailability()
    searcher = searcher_for(profile, values)
    if searcher is None:
        return NullAvailability()
    return CatalogueAvailability(profile, searcher, _picker(platform, tenant_id),
                                 log_traffic=_on(values, "loggingZ3950Responder", "yes"))


def _directory_property(session: ScopedSession, symbol: str, key: str) -> str | None:
    if importlib.util.find_spec("reshare.directory.service") is None:
        return None
    directory = importlib.import_module("reshare.directory.service")
    try:
        entry = directory.resolve_symbol(session, symbol)
    except ReshareError:  # a malformed symbol means "no property", not a failure
        return None
    properties = getattr(entry, "properties", None) or {}
    value = properties.get(key)
    return str(value).strip() if value not in (None, "") else None


def institutional_patron_id(session: ScopedSession, requester_symbol: str) -> str | None:
    """The proxy patron to check items out to for ``requester_symbol``: its directory property
    ``local_institutionalPatronId``, else ``default_institutional_patron_id``, else None."""
    found = _directory_property(session, requester_symbol, "local_institutionalPatronId")
    if found:
        return found
    default = get_value(session, "default_institutional_patron_id")
    return default.strip() if default and default.strip() else None
