"""Background jobs (outbox dispatch, timers) and the runner that drives them.

The same runner works in-process inside ``reshare serve`` and as ``reshare worker``; several
workers may run at once on PostgreSQL, so every job must claim its work with row locks
(``FOR UPDATE SKIP LOCKED``) or an equivalent, never assume it is alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reshare.platform import Platform

log = logging.getLogger("reshare.jobs")


@dataclass(frozen=True)
class Job:
    """``run`` does one batch of work and returns how many items it handled."""

    name: str
    interval_seconds: float
    run: Callable[[Platform], int]
    description: str = ""
    # the most ``run`` handles at once, when it says so: a smaller batch means nothing else
    # was due, so the job waits for its interval (or a wake) instead of looking again
    batch: int = 0
    # a change-feed topic (PostgreSQL NOTIFY, see reshare.changefeed) whose announcements,
    # from any process, make the job due at once instead of at its next interval
    wake_topic: str = ""


class JobRunner:
    def __init__(self, platform: Platform, jobs: list[Job], *, idle_sleep: float = 0.5) -> None:
        self.platform = platform
        self.jobs = jobs
        self.idle_sleep = idle_sleep
        self._next: dict[str, float] = {job.name: 0.0 for job in jobs}
        self._wakes: dict[str, int] = {job.name: 0 for job in jobs}  # wakes so far, per job
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self, job_name: str | None = None) -> None:
        """Make a job (or all) due now, e.g. after a commit that queued a message."""
        for name in self._next:
            if job_name is None or name == job_name:
                self._wakes[name] += 1
                self._next[name] = 0.0
        self._wake.set()

    def wakes(self, job_name: str) -> int:
        """How many times ``job_name`` was woken so far (a job may watch it while it runs)."""
        return self._wakes[job_name]

    def run_once(self) -> int:
        """Run every due job once; returns the work done. Errors are logged, not raised."""
        done = 0
        now = time.monotonic()
        for job in self.jobs:
            if self._next[job.name] > now:
                continue
            wakes = self._wakes[job.name]
            try:
                handled = job.run(self.platform)
            except Exception:  # a failing job must not stop the others
                log.exception("job %s failed", job.name)
                handled = 0
            done += handled
            # more work may be waiting: run again right away, else wait the interval
            more = handled >= job.batch if job.batch else handled > 0
            woken = self._wakes[job.name] != wakes  # work queued while it ran
            self._next[job.name] = now if more or woken else now + job.interval_seconds
        return done

    def run_forever(self) -> None:
        while not self._stop.is_set():
            if self.run_once() == 0:
                due = min(self._next.values(), default=time.monotonic() + self.idle_sleep)
                wait = max(0.0, min(self.idle_sleep, due - time.monotonic()))
                self._wake.wait(wait)
                self._wake.clear()

    def start(self) -> None:
        self._listen()
        self._thread = threading.Thread(target=self.run_forever, name="reshare-jobs",
                                        daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        """Wake jobs on their topic's announcements from other processes (PostgreSQL)."""
        from reshare.changefeed import feed_for

        topics = {job.wake_topic: job.name for job in self.jobs if job.wake_topic}
        feed = feed_for(self.platform.db.engine) if topics else None
        if feed is None:
            return
        for topic, name in topics.items():
            feed.subscribe(topic, lambda key, name=name: self.wake(name))  # type: ignore[misc]

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
