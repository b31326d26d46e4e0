"""The long-running commands tune the garbage collector once started."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reshare.cli import main as cli


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tune_gc_freezes_what_exists_and_raises_the_threshold(restore_gc: None) -> None:
    gc.unfreeze()
    made_at_start = {"a": []}  # a tracked container, as the app's objects are
    assert any(o is made_at_start for o in gc.get_objects())
    cli._tune_gc()
    assert gc.get_threshold() == (10_000, 10, 10)
    assert gc.get_freeze_count() > 0
    assert not any(o is made_at_start for o in gc.get_objects())  # no longer scanned
    made_later: dict[str, list[int]] = {"b": []}
    assert any(o is made_later for o in gc.get_objects())
