"""Route access cases: how to probe each tenant route for cross-tenant leaks.

Every capability adds a ``cases_<capability>.py`` module here with ``CASES``, a dict from
``(METHOD, path template)`` to an :class:`AccessCase`. ``test_route_access`` fails for any
tenant route that has no case, so a new route cannot forget its isolation test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reshare.platform import Platform
from tests.support.factories import TenantFixture


@dataclass
class Probe:
    """What tenant B sends to reach tenant A's data, and how to tell whether it leaked."""

    path_params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    query: dict[str, str] | None = None
    content: bytes | None = None
    headers: dict[str, str] | None = None
    marker: str | None = None  # text of A's that must not appear in B's response
    expect_status: int | None = 404  # None: any status is fine, as long as nothing leaks
    verify: Callable[[], None] | None = None  # checks A's data is unchanged afterwards


@dataclass
class AccessCase:
    setup: Callable[[Platform, TenantFixture], Probe]


def all_cases() -> dict[tuple[str, str], AccessCase]:
    cases: dict[tuple[str, str], AccessCase] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("cases_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            cases.update(module.CASES)
    return cases
