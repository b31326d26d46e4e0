"""The page routers, in the order they are mounted."""

from __future__ import annotations

import importlib
from typing import Any

MODULES = ("pages", "notice_pages", "request_pages", "work_pages", "catalogue_pages",
           "dashboard")


def routers() -> list[Any]:
    found = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"reshare.web.ui.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"reshare.web.ui.{name}":
                raise
            continue
        found.append(module.router)
    return found
