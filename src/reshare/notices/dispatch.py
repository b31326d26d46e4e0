"""Sending queued notices: claim with a lease, send outside the transaction, record the result.

A notice is marked sent only after the mail server accepted it, and is claimed by one worker at
a time (row lock + lease), so a server that is down delays notices but never loses them, and
two workers never send the same one. Each message carries a stable Message-ID built from the
notice, so in the one window SMTP cannot close (the process dies after the server accepted the
message but before ``sent`` is committed) a re-send is recognisable as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import select

from reshare.db import ScopedSession, utcnow
from reshare.errors import ValidationFailed
from reshare.notices.model import render
from reshare.notices.service import template_for
from reshare.notices.smtp import (
    PermanentFailure,
    Sender,
    SmtpConfig,
    SmtpSender,
    TemporaryFailure,
)
from reshare.notices.store import Notice
from reshare.settings.service import get_values

if TYPE_CHECKING:
    from reshare.platform import Platform

log = logging.getLogger("reshare.notices")
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 12
BATCH = 20
SenderFactory = Callable[[SmtpConfig], Sender]


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at 1 hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def smtp_config(session: ScopedSession) -> SmtpConfig | None:
    values = get_values(session)
    if not values.get("smtp_host") or not values.get("smtp_from"):
        return None
    return SmtpConfig(host=str(values["smtp_host"]), port=int(values.get("smtp_port") or 25),
                      sender=str(values["smtp_from"]), user=values.get("smtp_user"),
                      password=values.get("smtp_password"),
                      starttls=values.get("smtp_starttls") == "yes")


def _tenants_with_due_notices(platform: Platform, now: dt.datetime) -> list[int]:
    with platform.db.platform() as session:
        return sorted(set(session.scalars(
            select(Notice.tenant_id).where(Notice.status.in_(("queued", "sending")),
                                           Notice.next_attempt_at <= now))))


def _claim(session: ScopedSession, now: dt.datetime) -> list[Notice]:
    """Take due notices (and ones whose lease ran out) under a row lock, with a new lease."""
    due = (Notice.status == "queued") | ((Notice.status == "sending")
                                         & (Notice.lease_until < now))
    rows = list(session.scalars(
        select(Notice).where(due, Notice.next_attempt_at <= now).order_by(Notice.id)
        .limit(BATCH).with_for_update(skip_locked=True)))
    for n in rows:
        n.status, n.lease_until, n.attempts = "sending", now + LEASE, n.attempts + 1
    return rows


def _message(notice: Notice, config: SmtpConfig, subject: str, body_html: str,
             text: str, tenant_code: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = config.sender, notice.recipient, subject
    domain = config.sender.rpartition("@")[2] or "reshare.invalid"
    msg["Message-ID"] = f"<notice-{tenant_code}-{notice.id}@{domain}>"
    msg["X-ReShare-Notice"] = f"{notice.trigger} {notice.id}"
    msg.set_content(text)
    msg.add_alternative(body_html, subtype="html")
    return msg


def _settle(session: ScopedSession, notice: Notice, status: str, now: dt.datetime,
            error: str | None = None) -> None:
    notice.status, notice.lease_until, notice.last_error = status, None, error
    if status == "sent":
        notice.sent_at = now
    elif status == "queued":
        if notice.attempts >= MAX_ATTEMPTS:
            notice.status = "failed"
        notice.next_attempt_at = now + backoff(notice.attempts)
    session.add(notice)


def _send_one(platform: Platform, tenant_id: int, library: dict[str, str], notice_id: int,
              sender: Sender, config: SmtpConfig, now: dt.datetime) -> bool:
    with platform.db.tenant(tenant_id) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        subject, body, active, _ = template_for(session, notice.trigger)
        if not active or not notice.recipient:
            _settle(session, notice, "skipped", now,
                    "template inactive" if not active else "no e-mail address for the patron")
            return False
        try:
            values = {"email": notice.recipient, "library": library, **notice.values}
            rendered = render(subject, body, values)
        except ValidationFailed as exc:
            _settle(session, notice, "failed", now, exc.message)
            return False
        notice.subject = rendered.subject
        message = _message(notice, config, rendered.subject, rendered.html, rendered.text,
                           library["code"])
    error: str | None
    try:
        sender.send(message)
    except TemporaryFailure as exc:
        outcome, error = "queued", str(exc)
    except PermanentFailure as exc:
        outcome, error = "failed", str(exc)
    else:
        outcome, error = "sent", None
    with platform.db.tenant(tenant_id) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        _settle(session, notice, outcome, now, error)
    if error:
        log.warning("notice %s for tenant %s not sent: %s", notice_id, tenant_id, error)
    return outcome == "sent"


def send_due(platform: Platform, *, now: dt.datetime | None = None,
             sender_factory: SenderFactory = SmtpSender) -> int:
    """Send every due notice of every tenant; returns how many were handled."""
    from reshare.tenancy.store import Tenant

    now = now or utcnow()
    handled = 0
    for tenant_id in _tenants_with_due_notices(platform, now):
        with platform.db.tenant(tenant_id) as session:
            config = smtp_config(session)
            if config is None:
                continue  # no mail server configured: notices wait in the queue
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            library = {"code": tenant.code, "name": tenant.name}
            claimed = [n.id for n in _claim(session, now)]
        sender = sender_factory(config)
        for notice_id in claimed:
            _send_one(platform, tenant_id, library, notice_id, sender, config, now)
            handled += 1
    return handled

