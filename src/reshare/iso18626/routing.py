"""Ports to the directory: which tenant owns a symbol (incoming routing) and where a peer's
ISO 18626 endpoint is (outgoing). The directory capability answers when it is installed; a
tenant's own ``local_symbols`` / ``default_request_symbol`` settings and the
``iso18626_gateway_address`` setting are the fallbacks. ``platform.extras`` may override both
(``iso18626_tenant_resolver``: ``(platform, symbol) -> tenant id | None``)."""

from __future__ import annotations

import importlib
import importlib.util
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import select

from reshare.settings import service as settings_service
from reshare.settings.store import SettingValue

if TYPE_CHECKING:
    from reshare.db import ScopedSession
    from reshare.platform import Platform

SYMBOL_SETTINGS = ("local_symbols", "default_request_symbol")


def _directory() -> ModuleType | None:
    try:
        if importlib.util.find_spec("reshare.directory.service") is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module("reshare.directory.service")


def normalise_symbol(symbol: str) -> str:
    return symbol.strip().upper()


ROUTE_CACHE_SECONDS = 10.0


def tenant_for_symbol(platform: Platform, symbol: str) -> int | None:
    """The tenant that receives messages addressed to ``symbol``, or None.

    A found tenant is remembered for ``ROUTE_CACHE_SECONDS`` (every message of a busy peer
    asks); an unknown symbol is looked up again each time, so a library set up a moment
    ago receives at once.
    """
    override = platform.extras.get("iso18626_tenant_resolver")
    if override is not None:
        return override(platform, symbol)  # type: ignore[no-any-return]
    wanted = normalise_symbol(symbol)
    cache: dict[str, tuple[float, int]] = platform.extras.setdefault("iso18626.routes", {})
    hit = cache.get(wanted)
    if hit is not None and time.monotonic() - hit[0] < ROUTE_CACHE_SECONDS:
        return hit[1]
    found = _lookup_tenant(platform, wanted)
    if found is not None:
        cache[wanted] = (time.monotonic(), found)
    return found


def _lookup_tenant(platform: Platform, wanted: str) -> int | None:
    directory = _directory()
    with platform.db.reading() as session:  # never queue on the write lock just to route
        if directory is not None:
            tenant_id = directory.tenant_for_symbol(session, wanted)
            if tenant_id is not None:
                return int(tenant_id)
        rows = session.scalars(select(SettingValue).where(
            SettingValue.key.in_(SYMBOL_SETTINGS), SettingValue.value.is_not(None)))
        for row in rows:
            if wanted in {normalise_symbol(s) for s in (row.value or "").split(",") if s.strip()}:
                return row.tenant_id
    return None


@dataclass(frozen=True)
class PeerAddress:
    url: str | None
    headers: dict[str, str] = field(default_factory=dict)
    source: str = ""


def peer_address(session: ScopedSession, peer_symbol: str) -> PeerAddress:
    """Where to post to ``peer_symbol``: its directory ISO 18626 service, else the tenant's
    ``iso18626_gateway_address``."""
    directory = _directory()
    if directory is not None:
        resolved = directory.resolve_symbol(session, normalise_symbol(peer_symbol))
        if resolved is not None and resolved.iso18626_url:
            return PeerAddress(resolved.iso18626_url, dict(resolved.additional_headers),
                               "directory")
    gateway = settings_service.get_value(session, "iso18626_gateway_address")
    return PeerAddress(gateway or None, {}, "iso18626_gateway_address" if gateway else "")
