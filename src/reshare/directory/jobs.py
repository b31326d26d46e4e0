"""Background job of the directory: crawl the friends' feeds that are due."""

from __future__ import annotations

from reshare.directory.crawl import run_due
from reshare.jobs import Job

JOBS = [
    Job(name="directory-sync", interval_seconds=60.0, run=run_due,
        description="Crawl peers' directory feeds whose interval has passed"),
]
