"""Fixtures of the directory tests: libraries without users (fast: no password hashing)."""

from __future__ import annotations

import pytest

from reshare.platform import Platform
from reshare.tenancy import service as tenancy


@pytest.fixture
def lib_a(platform: Platform) -> int:
    return tenancy.create_tenant(platform.db, "ALPHA", "Alpha Library").id


@pytest.fixture
def lib_b(platform: Platform) -> int:
    return tenancy.create_tenant(platform.db, "BETA", "Beta Library").id
