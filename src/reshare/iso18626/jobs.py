"""Background jobs: the outbox dispatcher and protocol-log retention."""

from __future__ import annotations

from reshare.iso18626 import outbox, protocol_log
from reshare.jobs import Job
from reshare.platform import Platform

BATCH = 20


def dispatch(platform: Platform) -> int:
    runner = platform.extras.get("job_runner")
    wakes = None if runner is None else (lambda: runner.wakes("iso18626-outbox"))
    return outbox.pump(platform, limit=BATCH, wakes=wakes)


def retention(platform: Platform) -> int:
    protocol_log.purge_all(platform)
    return 0  # done for this interval, whatever was removed


JOBS = [
    Job("iso18626-outbox", 0.5, dispatch, "Send queued ISO 18626 messages; retry and probe.",
        batch=BATCH, wake_topic=outbox.WAKE_TOPIC),
    Job("iso18626-log-retention", 3600.0, retention,
        "Delete protocol log entries older than loggingISO18626Days."),
]
