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


def routers() -> list[Any]:
    return [m.router for m in modules("api") if hasattr(m, "router")]


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
