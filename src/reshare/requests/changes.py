"""Telling waiting readers that requests changed: the long poll of ``GET /requests?wait=``.

Every committed unit of work that inserted or updated a patron request bumps a counter of
its database's :class:`Changes` (one per engine in this process) and records which requests
(tenant, request number) changed at that count. A waiter reads the counter *before* it
queries, so a change that commits between its query and its wait is never missed. A waiter
for one request number is woken only by a change to that request (or by a change whose
requests are unknown); the others by any change. Changes committed by another process (a
separate worker) are not signalled here; waiters also look again every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from reshare.db import engine_of

RECHECK_SECONDS = 1.0
REMEMBERED = 20_000  # request keys whose last change is remembered; older ones count as changed
_FLAG = "requests.changed"

Key = tuple[int, str]  # (tenant id, request number)


class Changes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._last: OrderedDict[Key, int] = OrderedDict()  # key -> version of its last change
        self._floor = 0  # changes up to here may concern any key (forgotten or unknown)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event, Key | None]] = set()

    @property
    def version(self) -> int:
        return self._version

    def notify(self, keys: Iterable[Key | None] | None = None) -> None:
        """Count one committed change of the requests ``keys`` (None: unknown which, as
        does a None among them). Safe from any thread."""
        with self._lock:
            self._version += 1
            changed = None if keys is None else set(keys)
            if changed is None or None in changed:
                changed = None
                self._floor = self._version
            else:
                for key in changed:
                    self._last[key] = self._version  # type: ignore[index]
                    self._last.move_to_end(key)  # type: ignore[arg-type]
                while len(self._last) > REMEMBERED:
                    _, forgotten = self._last.popitem(last=False)
                    self._floor = max(self._floor, forgotten)
            waiters = [w for w in self._waiters
                       if changed is None or w[2] is None or w[2] in changed]
        for loop, woken, _ in waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop: its waiter is gone
                loop.call_soon_threadsafe(woken.set)

    def _moved(self, version: int, key: Key | None) -> bool:
        if key is None:
            return self._version != version
        return self._floor > version or self._last.get(key, 0) > version

    async def wait_past(self, version: int, timeout: float, key: Key | None = None) -> None:
        """Return once a change after ``version`` concerns ``key`` (any change when None),
        or after ``timeout`` s."""
        woken = asyncio.Event()
        entry = (asyncio.get_running_loop(), woken, key)
        with self._lock:
            if self._moved(version, key):
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

    scope = session.info.get("tenant_id")
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, PatronRequest):
            tenant = obj.tenant_id if obj.tenant_id is not None else scope
            key = (tenant, obj.hrid) if isinstance(tenant, int) and obj.hrid else None
            session.info.setdefault(_FLAG, set()).add(key)


@event.listens_for(Session, "after_commit")
def _signal_request_changes(session: Session) -> None:
    keys = session.info.pop(_FLAG, None)
    if keys:
        changes_for(engine_of(session)).notify(keys)


@event.listens_for(Session, "after_rollback")
def _forget_request_changes(session: Session) -> None:
    session.info.pop(_FLAG, None)
