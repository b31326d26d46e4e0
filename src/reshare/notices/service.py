"""Use cases on notices: queue one (inside the caller's transaction), templates, retry."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select, update

from reshare.db import ScopedSession, utcnow
from reshare.errors import NotFound, ValidationFailed
from reshare.notices.model import BY_CODE, SUPERSEDES, Trigger, trigger, validate_template
from reshare.notices.store import Notice, NoticeTemplate
from reshare.settings.service import get_value

log = logging.getLogger("reshare.notices")


def queue(session: ScopedSession, trigger_code: str, request_id: int | None, *,
          email: str | None = None, values: Mapping[str, Any] | None = None,
          key: str | None = None) -> int | None:
    """Queue a notice in the caller's transaction (an outbox row); sent after commit.

    With only a request id, the recipient and the template values are read from the request
    (``reshare.requests.store.PatronRequest``). Queuing the same ``key`` twice (default
    ``"<trigger>:<request_id>"``) returns the first notice: the engine may call this again for
    the same event without sending it twice. For triggers that can repeat on one request, pass
    a key that names the occurrence, e.g. ``"due_soon:42:2026-12-01"``. An unknown trigger is
    logged and ignored (returns None) so it never breaks the caller's transaction.
    """
    try:
        definition = trigger(trigger_code)
    except ValidationFailed:
        log.warning("notice trigger %r is unknown: not queued", trigger_code)
        return None
    trigger_code = definition.code
    if request_id is not None and (values is None or email is None):
        snapshot = request_values(session, request_id)
        values = values if values is not None else snapshot
        email = email if email is not None else snapshot.get("email")
    if definition.staff:
        email = get_value(session, "staff_notice_email")
    dedupe = (key or f"{trigger_code}:{request_id}")[:200]
    # one statement: a key queued before (the usual repeat) inserts nothing
    added = session.core(_add_statement(session), {
        "trigger": trigger_code, "request_id": request_id, "dedupe_key": dedupe,
        "recipient": (email or "").strip() or None, "values": dict(values or {}),
        "status": "queued", "attempts": 0, "next_attempt_at": utcnow()}).scalar()
    if added is None:
        # notices are written with Core only: pending ORM changes cannot matter
        return int(session.core(_BY_KEY, {"key": dedupe}, autoflush=False).scalar_one())
    superseded = SUPERSEDES.get(trigger_code, ())
    if request_id is not None and superseded:
        session.core(_SUPERSEDE, {"of_request": request_id, "triggers": list(superseded)})
    return int(added)


def _add_statement(session: ScopedSession) -> Any:
    dialect = session.get_bind().dialect.name
    statement = _ADD.get(dialect)
    if statement is None:
        from sqlalchemy.dialects import postgresql, sqlite

        maker: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _ADD.setdefault(dialect, maker(Notice).on_conflict_do_nothing(
            index_elements=["tenant_id", "dedupe_key"]).returning(Notice.id))
    return statement


# Core: the engine queues a notice on most transitions that reach a patron
_ADD: dict[str, Any] = {}  # dialect -> INSERT … ON CONFLICT DO NOTHING RETURNING id
_BY_KEY = select(Notice.id).where(Notice.dedupe_key == bindparam("key"))
_SUPERSEDE = (update(Notice)
              .where(Notice.request_id == bindparam("of_request"), Notice.status == "queued",
                     Notice.trigger.in_(bindparam("triggers", expanding=True)))
              .values(status="superseded"))


def queue_notice(session: ScopedSession, trigger_code: str, request_id: int | None, *,
                 email: str | None = None, values: Mapping[str, Any] | None = None,
                 key: str | None = None) -> Notice | None:
    """Queue a notice (see :func:`queue`) and return it, or None for an unknown trigger."""
    notice_id = queue(session, trigger_code, request_id, email=email, values=values, key=key)
    return None if notice_id is None else session.get(Notice, notice_id)


def request_values(session: ScopedSession, request_id: int) -> dict[str, Any]:
    """Template values from a request of the engine (empty when it is not installed)."""
    try:
        from reshare.requests.store import PatronRequest  # type: ignore[attr-defined]
    except ImportError:
        return {}
    req = session.get(PatronRequest, request_id)
    if req is None:
        return {}

    def get(name: str) -> Any:
        value = getattr(req, name, None)
        if value is not None and hasattr(value, "isoformat"):
            return str(value.isoformat())[:10]
        return value or None

    name = get("patron_name") or ""
    given, _, surname = name.partition(" ") if "," not in name else name.partition(",")[::-1]
    return {
        "email": get("patron_email"),
        "user": {"id": get("patron_id"), "givenName": given.strip() or None,
                 "surname": surname.strip() or None, "patronProfile": get("patron_type")},
        "request": {"id": get("hrid"), "pickupLocation": get("pickup_location"),
                    "pickupURL": get("pickup_url"), "neededBy": get("needed_by"),
                    "cancellationReason": get("cancellation_reason"),
                    "dueDate": get("due_date")},
        "item": {"title": get("title"), "author": get("author"),
                 "barcode": get("selected_item_barcode"), "volume": get("volume"),
                 "issue": get("issue"), "pages": get("pages"),
                 "titleOfComponent": get("title_of_component"),
                 "authorOfComponent": get("author_of_component"),
                 "location": get("pick_location"),
                 "shelvingLocation": get("pick_shelving_location")},
    }


def template_for(session: ScopedSession, code: str) -> tuple[str, str, bool, bool]:
    """(subject, body, active, customised) for a trigger: the tenant's own, else built-in."""
    builtin: Trigger = trigger(code)
    row = session.scalars(select(NoticeTemplate).where(NoticeTemplate.trigger == code)).first()
    if row is None:
        return builtin.subject, builtin.body, True, False
    return row.subject, row.body, row.active, True


def list_templates(session: ScopedSession) -> list[dict[str, Any]]:
    out = []
    for code, t in BY_CODE.items():
        subject, body, active, custom = template_for(session, code)
        out.append({"trigger": code, "label": t.label, "subject": subject, "body": body,
                    "active": active, "customised": custom})
    return out


def set_template(session: ScopedSession, code: str, subject: str, body: str, active: bool,
                 *, actor: str) -> dict[str, Any]:
    """Store a tenant's template after checking that it renders."""
    trigger(code)
    validate_template(subject, body)
    row = session.scalars(select(NoticeTemplate).where(NoticeTemplate.trigger == code)).first()
    if row is None:
        row = NoticeTemplate(trigger=code, subject=subject, body=body, active=active,
                             updated_by=actor)
        session.add(row)
    else:
        row.subject, row.body, row.active, row.updated_by = subject, body, active, actor
    session.flush()
    return next(t for t in list_templates(session) if t["trigger"] == code)


def reset_template(session: ScopedSession, code: str) -> None:
    trigger(code)
    row = session.scalars(select(NoticeTemplate).where(NoticeTemplate.trigger == code)).first()
    if row is not None:
        session.delete(row)


def list_notices(session: ScopedSession, *, status: str | None = None,
                 request_id: int | None = None, limit: int = 100) -> list[Notice]:
    query = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if status:
        query = query.where(Notice.status == status)
    if request_id is not None:
        query = query.where(Notice.request_id == request_id)
    return list(session.scalars(query))


def retry(session: ScopedSession, notice_id: int) -> Notice:
    """Put a failed or skipped notice back in the queue (staff action)."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.tenant_id != session.tenant_id:
        raise NotFound(f"no notice {notice_id}", code="notice_not_found")
    if notice.status not in {"failed", "skipped"}:
        raise ValidationFailed(f"notice {notice_id} is {notice.status}: only failed or skipped "
                               "notices can be retried", code="not_retryable")
    notice.status, notice.next_attempt_at, notice.last_error = "queued", utcnow(), None
    notice.attempts = 0
    return notice


def as_dict(n: Notice) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {"id": n.id, "trigger": n.trigger, "request_id": n.request_id,
            "recipient": n.recipient, "status": n.status, "attempts": n.attempts,
            "next_attempt_at": iso(n.next_attempt_at), "last_error": n.last_error,
            "subject": n.subject, "created_at": iso(n.created_at), "sent_at": iso(n.sent_at)}
