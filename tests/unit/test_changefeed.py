"""The change feed trusts its listener only once its own announcement came back."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from reshare import changefeed
from reshare.changefeed import ChangeFeed


class _Conn:
    """A listening connection that delivers what it is given (a pooler may drop the probe)."""

    def __init__(self, delivered: list[str], echo: bool) -> None:
        self.delivered, self.echo = delivered, echo

    def execute(self, query: str, params: Any = None) -> None:
        if self.echo and params:
            self.delivered.append(params[1])

    def notifies(self, timeout: float) -> Any:
        return iter([SimpleNamespace(payload=p) for p in self.delivered])


def _feed() -> ChangeFeed:
    feed = object.__new__(ChangeFeed)  # no listener thread: the check alone
    feed._lock = threading.Lock()
    feed._counts = {}
    feed._subscribers = {}
    return feed


def test_probe_that_comes_back_proves_delivery_and_others_are_counted() -> None:
    feed = _feed()
    feed._check_delivery(_Conn(["settings:7"], echo=True))
    assert feed._counts == {("settings", "7"): 1}


def test_probe_that_never_arrives_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(changefeed, "PROBE_SECONDS", 0.01)
    with pytest.raises(RuntimeError, match="RESHARE_CHANGE_FEED=false"):
        _feed()._check_delivery(_Conn(["settings:7"], echo=False))


def test_subscribers_hear_their_topic_and_a_failing_one_harms_no_other() -> None:
    feed = _feed()
    heard: list[str] = []

    def broken(key: str) -> None:
        raise RuntimeError("a subscriber's bug")

    feed.subscribe("outbox", broken)
    feed.subscribe("outbox", heard.append)
    feed._check_delivery(_Conn(["outbox:3", "settings:3", "outbox:4"], echo=True))
    assert heard == ["3", "4"]  # settings announcements are not theirs
    assert feed._counts[("outbox", "4")] == 1  # and counting goes on
