"""Background jobs of the request engine (run by ``reshare worker`` and ``reshare serve``)."""

from __future__ import annotations

from reshare.jobs import Job
from reshare.requests import timers

JOBS = [
    Job("requests.local_delivery", 1.0, timers.run_local_delivery,
        "Deliver messages between libraries of this installation (when no ISO outbox)"),
    Job("requests.stale", 900.0, timers.run_stale,
        "Answer 'cannot supply' to every lending request idle past the stale limit"),
    Job("requests.overdue", 3600.0, timers.run_overdue,
        "Mark overdue loans on both sides, tell the borrower, queue due-soon notices"),
]
