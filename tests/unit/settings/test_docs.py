"""docs/configuration.md is generated from the registry and must be current."""

from __future__ import annotations

from pathlib import Path

from reshare.settings.docs import render
from reshare.settings.registry import SETTINGS

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_configuration_doc_is_current() -> None:
    assert DOC.read_text() == render(), (
        "docs/configuration.md is out of date: run "
        "`.venv/bin/python -m reshare.settings.docs > docs/configuration.md`")


def test_every_setting_is_in_the_doc() -> None:
    text = render()
    for d in SETTINGS:
        assert f"`{d.key}`" in text
