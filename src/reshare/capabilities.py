"""The list of capabilities and how their parts (tables, routes, commands, jobs) are found.

A capability folder may hold ``store.py`` (tables), ``api.py`` (a FastAPI ``router``),
``cli.py`` (a Typer ``app`` and a ``NAME``) and ``jobs.py`` (``JOBS``: background jobs).
Adding one of those files is all it takes to plug it in.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

CAPABILITIES: tuple[str, ...] = (
    "tenancy",
    "settings",
    "directory",
    "iso18626",
    "sharedindex",
    "lms",
    "requests",
    "openurl",
    "notices",
    "web",
    "demo",
)


def _optional(module: str) -> ModuleType | None:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None
    if spec is None:
        return None
    return importlib.import_module(module)


def modules(part: str) -> list[ModuleType]:
    found = []
    for cap in CAPABILITIES:
        mod = _optional(f"reshare.{cap}.{part}")
        if mod is not None:
            found.append(mod)
    return found


def load_models() -> None:
    """Import every capability's tables so ``Base.metadata`` is complete."""
    modules("store")


HOT_ROUTERS = ("reshare.requests.api", "reshare.iso18626.api")


def routers() -> list[Any]:
    """Every capability's router; the busiest first (the request engine's staff calls and
    the ISO 18626 endpoint), since a request is matched against routes in order. Their
    paths (/requests…, /iso18626…, /statistics/…) overlap no other capability's."""
    found = [m for m in modules("api") if hasattr(m, "router")]
    found.sort(key=lambda m: HOT_ROUTERS.index(m.__name__) if m.__name__ in HOT_ROUTERS
               else len(HOT_ROUTERS))
    return [m.router for m in found]


def cli_apps() -> list[tuple[str, Any]]:
    """(command name, Typer app) pairs; a cli module gives ``NAME`` + ``app`` or ``APPS``."""
    found: list[tuple[str, Any]] = []
    for m in modules("cli"):
        if hasattr(m, "APPS"):
            found.extend(m.APPS)
        elif hasattr(m, "app"):
            found.append((m.NAME, m.app))
    return found


def jobs() -> list[Any]:
    found: list[Any] = []
    for m in modules("jobs"):
        found.extend(getattr(m, "JOBS", []))
    return found
