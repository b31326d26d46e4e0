"""Background job: harvest every source that has an OAI-PMH URL, once a day."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from reshare.db import utcnow
from reshare.jobs import Job
from reshare.platform import Platform
from reshare.sharedindex import harvest
from reshare.sharedindex.store import Source

log = logging.getLogger("reshare.sharedindex")
EVERY = dt.timedelta(hours=24)


def _due(source: Source) -> bool:
    status = source.oai_status or {}
    if source.oai_token:  # an interrupted run: resume it
        return True
    last = status.get("last_started")
    return last is None or dt.datetime.fromisoformat(last) < utcnow() - EVERY


def harvest_due_sources(platform: Platform) -> int:
    with platform.db.unscoped() as session:
        sources = [s for s in session.scalars(select(Source).where(Source.oai_url.is_not(None)))
                   if _due(s)]
    for source in sources:
        try:
            harvest.harvest(platform.db, source.code,
                            client=platform.extras.get("sharedindex_http_client"))
        except harvest.HarvestError as exc:
            log.warning("harvest of %s failed: %s", source.code, exc)
    return 0  # never "more work right now": failed sources wait for the next interval


JOBS = [Job(name="sharedindex-harvest", interval_seconds=3600, run=harvest_due_sources,
            description="Harvest shared-index sources from their OAI-PMH servers daily")]
