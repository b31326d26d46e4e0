"""Where the engine gets its ports: the LMS, availability, routing and directory capabilities
when they are installed, the Null adapters otherwise. Nothing here raises for a missing module."""

from __future__ import annotations

import importlib
from typing import Any

from reshare.db import ScopedSession
from reshare.platform import Platform
from reshare.requests.ports import (
    AvailabilityPort,
    LmsPort,
    NullAvailability,
    NullLms,
    NullRouting,
    RoutingPort,
)


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _override(platform: Platform, key: str) -> Any | None:
    """Tests and embedders may set ``platform.extras["requests.<port>"]`` (a factory or object)."""
    value = platform.extras.get(f"requests.{key}")
    return value


def lms(platform: Platform, tenant_id: int) -> LmsPort:
    override = _override(platform, "lms")
    if override is not None:
        return override(tenant_id) if callable(override) else override  # type: ignore[no-any-return]
    mod = _module("reshare.lms.service")
    if mod is not None and hasattr(mod, "lms_for_tenant"):
        return mod.lms_for_tenant(platform, tenant_id)  # type: ignore[no-any-return]
    return NullLms()


def availability(platform: Platform, tenant_id: int) -> AvailabilityPort:
    override = _override(platform, "availability")
    if override is not None:
        return override(tenant_id) if callable(override) else override  # type: ignore[no-any-return]
    mod = _module("reshare.lms.service")
    if mod is not None and hasattr(mod, "availability_for_tenant"):
        return mod.availability_for_tenant(platform, tenant_id)  # type: ignore[no-any-return]
    return NullAvailability()


def routing(platform: Platform, tenant_id: int) -> RoutingPort | None:
    """The shared-index router, or None when the shared-index capability is not installed."""
    override = _override(platform, "routing")
    if override is not None:
        return override(tenant_id) if callable(override) else override  # type: ignore[no-any-return]
    mod = _module("reshare.sharedindex.routing")
    if mod is not None and hasattr(mod, "routing_for_tenant"):
        return mod.routing_for_tenant(platform, tenant_id)  # type: ignore[no-any-return]
    return None


_TTL = 10.0


def warm(platform: Platform, tenant_id: int) -> None:
    """Build the tenant's LMS and availability ports now, outside any transaction (building
    them reads settings in a transaction of their own); they are reused for a few seconds."""
    import time

    cache: dict[int, tuple[float, LmsPort, AvailabilityPort]] = platform.extras.setdefault(
        "requests.ports", {})
    hit = cache.get(tenant_id)
    if hit is not None and time.monotonic() - hit[0] < _TTL:
        return
    cache[tenant_id] = (time.monotonic(), lms(platform, tenant_id),
                        availability(platform, tenant_id))


def cached_lms(platform: Platform, tenant_id: int) -> LmsPort:
    """The tenant's LMS for use inside a transaction (warmed by the use case beforehand)."""
    hit = platform.extras.get("requests.ports", {}).get(tenant_id)
    if hit is not None:
        return hit[1]  # type: ignore[no-any-return]
    if platform.db.dialect == "sqlite":  # building it here would wait on our own write lock
        return NullLms()
    return lms(platform, tenant_id)


def cached_availability(platform: Platform, tenant_id: int) -> AvailabilityPort:
    hit = platform.extras.get("requests.ports", {}).get(tenant_id)
    if hit is not None:
        return hit[2]  # type: ignore[no-any-return]
    return availability(platform, tenant_id)


def null_routing() -> RoutingPort:
    return NullRouting()


def institutional_patron_id(session: ScopedSession, requester_symbol: str) -> str | None:
    mod = _module("reshare.lms.service")
    if mod is not None and hasattr(mod, "institutional_patron_id"):
        return mod.institutional_patron_id(session, requester_symbol)  # type: ignore[no-any-return]
    return None


# ------------------------------------------------------------------------------ directory


def _directory() -> Any | None:
    mod = _module("reshare.directory.service")
    return mod if mod is not None and hasattr(mod, "resolve_symbol") else None


def resolve_symbol(session: ScopedSession, symbol: str) -> Any | None:
    mod = _directory()
    return mod.resolve_symbol(session, symbol) if mod is not None else None


def directory_installed() -> bool:
    return _directory() is not None


def symbols_of_tenant(session: ScopedSession, tenant_id: int) -> list[str]:
    mod = _directory()
    if mod is None or not hasattr(mod, "symbols_of_tenant"):
        return []
    return [str(s) for s in mod.symbols_of_tenant(session, tenant_id)]


def tenant_for_symbol(platform: Platform, symbol: str) -> int | None:
    mod = _directory()
    if mod is None or not hasattr(mod, "tenant_for_symbol"):
        return None
    with platform.db.platform() as session:
        found = mod.tenant_for_symbol(session, symbol)
    if found is None:
        return None
    return int(getattr(found, "id", found))


def peer_property(session: ScopedSession, symbol: str, name: str) -> str | None:
    resolved = resolve_symbol(session, symbol)
    if resolved is None:
        return None
    props = getattr(resolved, "properties", None) or {}
    value = props.get(name)
    return None if value is None else str(value)


def peer_stats_url(session: ScopedSession, symbol: str) -> str | None:
    resolved = resolve_symbol(session, symbol)
    return getattr(resolved, "rs_stats_url", None) if resolved is not None else None
