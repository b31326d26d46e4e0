"""Telling waiting readers that requests changed: the long poll of ``GET /requests?wait=``.

Every committed unit of work that inserted or updated a patron request bumps a counter of
its database's :class:`Changes` (one per engine in this process) and wakes the waiters. A
waiter reads the counter *before* it queries, so a change that commits between its query
and its wait is never missed. Changes committed by another process (a separate worker)
are not signalled here; waiters also look again every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

RECHECK_SECONDS = 1.0
_FLAG = "requests.changed"


class Changes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def version(self) -> int:
        return self._version

    def notify(self) -> None:
        """Safe from any thread."""
        with self._lock:
            self._version += 1
            waiters = list(self._waiters)
        for loop, woken in waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop: its waiter is gone
                loop.call_soon_threadsafe(woken.set)

    async def wait_past(self, version: int, timeout: float) -> None:
        """Return once the counter has moved past ``version``, or after ``timeout`` s."""
        woken = asyncio.Event()
        entry = (asyncio.get_running_loop(), woken)
        with self._lock:
            if self._version != version:
                return
            self._waiters.add(entry)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout)
        finally:
            with self._lock:
                self._waiters.discard(entry)


_BY_ENGINE: weakref.WeakKeyDictionary[Any, Changes] = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def changes_for(engine: Any) -> Changes:
    with _REGISTRY_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            found = _BY_ENGINE[engine] = Changes()
        return found


@event.listens_for(Session, "before_flush")
def _note_request_changes(session: Session, flush_context: Any, instances: Any) -> None:
    from reshare.requests.store import PatronRequest

    if not session.info.get(_FLAG) and any(
            isinstance(obj, PatronRequest) for obj in (*session.new, *session.dirty)):
        session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _signal_request_changes(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        bind = session.get_bind()
        changes_for(getattr(bind, "engine", bind)).notify()


@event.listens_for(Session, "after_rollback")
def _forget_request_changes(session: Session) -> None:
    session.info.pop(_FLAG, None)
