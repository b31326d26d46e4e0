"""Background job: drain the notice queue through each tenant's SMTP server."""

from __future__ import annotations

from reshare.jobs import Job
from reshare.notices.dispatch import send_due

JOBS = [Job(name="notices.send", interval_seconds=30.0, run=lambda platform: send_due(platform),
            description="Send queued patron notices by e-mail (with retry).")]
