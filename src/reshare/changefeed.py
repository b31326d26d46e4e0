"""Cross-process change announcements over PostgreSQL ``LISTEN``/``NOTIFY``.

A process keeps some rarely changed data in memory (a tenant's settings). To know that its
copy is still good without a query in every unit of work, it listens: a unit of work that
changes such data announces it with ``NOTIFY`` in its own transaction (delivered only if it
commits), and every process's listener thread counts the announcement against the key. A
copy remembered together with its key's count is good while the count is unchanged.

The listener is one dedicated connection per engine, opened on first use. While it is not
connected (starting, or reconnecting after an error), :meth:`ChangeFeed.stamp` answers None
and callers fall back to checking the database in each unit of work. Every (re)connection
starts a new epoch, so nothing remembered before an outage is trusted after it. SQLite has
no ``NOTIFY``: :func:`feed_for` answers None there.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger("reshare.changefeed")

CHANNEL = "reshare_changes"
RECONNECT_SECONDS = 1.0
PROBE_SECONDS = 5.0
_PROBE = "changefeed"
_POLL_SECONDS = 0.5  # how soon a stopped feed's thread notices


_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


class ChangeFeed:
    """Counts of announced changes per ``(topic, key)``, from every process."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}
        self._epoch = 0
        self._live = False
        self._stop = threading.Event()
        self._subscribers: dict[str, list[Callable[[str], None]]] = {}
        self._thread = threading.Thread(target=self._run, name="reshare-changefeed", daemon=True)
        self._thread.start()

    def stamp(self, topic: str, key: Any) -> tuple[int, int] | None:
        """The current mark of ``key``: a copy read after taking it is good while the mark is
        unchanged. None while not listening (check the database instead)."""
        with self._lock:
            if not self._live:
                return None
            return self._epoch, self._counts.get((topic, str(key)), 0)

    def announce(self, session: Session, topic: str, key: Any) -> None:
        """Announce in ``session``'s transaction that ``key`` changed (sent if it commits);
        this process counts it at once after the commit."""
        # on the unit's connection, not through the ORM: that would flush pending changes
        # first, writing a row now that the commit would write anyway
        session.connection().execute(_NOTIFY, {"channel": CHANNEL,
                                               "payload": f"{topic}:{key}"})
        after_commit = getattr(session, "after_commit", None)
        if after_commit is not None:
            after_commit(lambda: self._count(f"{topic}:{key}"))

    def subscribe(self, topic: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(key)`` on the listener's thread for each announcement of
        ``topic`` (this process's own included). It must return quickly: a wake-up."""
        with self._lock:
            self._subscribers.setdefault(topic, []).append(callback)

    def is_live(self) -> bool:
        with self._lock:
            return self._live

    def close(self) -> None:
        self._stop.set()

    # ------------------------------------------------------------------ the listener

    def _count(self, payload: str) -> None:
        topic, _, key = payload.partition(":")
        with self._lock:
            self._counts[(topic, key)] = self._counts.get((topic, key), 0) + 1
            callbacks = list(self._subscribers.get(topic, ()))
        for callback in callbacks:
            try:
                callback(key)
            except Exception:  # a subscriber's bug must not stop the listener
                log.exception("change feed: a subscriber to %s failed", topic)

    def _set_live(self, live: bool) -> None:
        with self._lock:
            if live:
                self._epoch += 1
                self._counts.clear()
            self._live = live

    def _check_delivery(self, conn: Any) -> None:
        """Send ourselves an announcement and wait for it: a connection pooler that does
        not pass notifications on (PgBouncer in transaction mode) must not leave us trusting
        copies nobody will ever tell us are stale."""
        probe = f"{_PROBE}:{uuid.uuid4().hex}"
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, probe))
        for note in conn.notifies(timeout=PROBE_SECONDS):
            if note.payload == probe:
                return
            self._count(note.payload)
        raise RuntimeError(f"our own NOTIFY did not arrive within {PROBE_SECONDS:.0f} s (a "
                           "connection pooler in transaction mode? set "
                           "RESHARE_CHANGE_FEED=false)")

    def _run(self) -> None:
        told = False  # the outage was logged: not again every second until it ends
        while not self._stop.is_set():
            conn: Any = None
            try:
                pooled = self._engine.raw_connection()
                conn = pooled.driver_connection
                pooled.detach()  # ours for good: the pool neither reuses nor resets it
                conn.rollback()
                conn.autocommit = True
                conn.execute("SET application_name = 'reshare-changefeed'")  # for operators
                conn.execute(f"LISTEN {CHANNEL}")
                self._check_delivery(conn)
                self._set_live(True)
                if told:
                    log.warning("change feed: listening again")
                    told = False
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=_POLL_SECONDS):
                        self._count(note.payload)
            except Exception as error:  # a lost connection: fall back, then listen again
                if not self._stop.is_set():
                    log.log(logging.DEBUG if told else logging.WARNING,
                            "change feed: %s; checking the database in each unit of work "
                            "until it listens again", error)
                    told = True
            finally:
                self._set_live(False)
                if conn is not None:
                    with contextlib.suppress(Exception):  # already broken
                        conn.close()
            self._stop.wait(RECONNECT_SECONDS)


_FEEDS: weakref.WeakKeyDictionary[Engine, ChangeFeed] = weakref.WeakKeyDictionary()
_FEEDS_LOCK = threading.Lock()


_OFF: weakref.WeakSet[Engine] = weakref.WeakSet()


def turn_off(engine: Engine) -> None:
    """Never listen on this engine (``RESHARE_CHANGE_FEED=false``): check the database."""
    _OFF.add(engine)


def feed_for(engine: Engine) -> ChangeFeed | None:
    """The engine's change feed (started on first use), or None on SQLite or when off."""
    if engine.dialect.name != "postgresql" or engine in _OFF:
        return None
    with _FEEDS_LOCK:
        feed = _FEEDS.get(engine)
        if feed is None:
            feed = _FEEDS[engine] = ChangeFeed(engine)
        return feed


def close_feed(engine: Engine) -> None:
    """Stop the engine's feed, if it has one (when the engine is disposed)."""
    with _FEEDS_LOCK:
        feed = _FEEDS.pop(engine, None)
    if feed is not None:
        feed.close()
