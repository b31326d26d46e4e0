"""Where the real MARC test data lives (../shared/data/marc, see its SOURCES.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MARC = Path(os.environ.get("RESHARE_MARC_DATA", "/work/shared/data/marc"))


@pytest.fixture(scope="session")
def marc_dir() -> Path:
    if not MARC.is_dir():
        pytest.skip(f"real MARC data not found at {MARC} (set RESHARE_MARC_DATA)")
    return MARC
