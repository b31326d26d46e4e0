"""Notices through a real SMTP server on loopback: sent once, retried while it is down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from reshare.db import utcnow
from reshare.notices import service
from reshare.notices.dispatch import MAX_ATTEMPTS, send_due
from reshare.notices.store import Notice
from reshare.platform import Platform
from reshare.settings import service as settings
from tests.integration.notices.smtp_server import SmtpServer
from tests.support.factories import TenantFixture

VALUES = {"user": {"givenName": "Ada <Countess>"}, "request": {"id": "ALPHA-7",
          "pickupLocation": "Main desk"}, "item": {"title": "Notes & Queries"}}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def configure(platform: Platform, tenant: TenantFixture, port: int) -> None:
    with platform.db.tenant(tenant.id) as s:
        settings.set_value(s, "notices", "smtp_host", "127.0.0.1")
        settings.set_value(s, "notices", "smtp_port", str(port))
        settings.set_value(s, "notices", "smtp_from", "ill@alpha.example")


def queue(platform: Platform, tenant: TenantFixture, trigger: str = "new_request",
          request_id: int = 7, email: str | None = "ada@example.edu", **kw: object) -> int:
    with platform.db.tenant(tenant.id) as s:
        return service.queue_notice(s, trigger, request_id, email=email, values=VALUES,
                                    **kw).id  # type: ignore[arg-type]


def notice(platform: Platform, tenant: TenantFixture, notice_id: int) -> Notice:
    with platform.db.tenant(tenant.id) as s:
        n = s.get(Notice, notice_id)
        assert n is not None
        return n


def test_a_queued_notice_is_sent_once_with_escaped_values(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    configure(platform, tenant_a, smtp.port)
    nid = queue(platform, tenant_a)
    assert send_due(platform) == 1
    assert send_due(platform) == 0  # nothing left: never sent twice
    assert len(smtp.inbox.messages) == 1
    msg = smtp.inbox.messages[0]
    assert msg["To"] == "ada@example.edu" and msg["From"] == "ill@alpha.example"
    assert msg["Subject"] == "We are looking for Notes & Queries"
    assert msg["Message-ID"] == f"<notice-ALPHA-{nid}@alpha.example>"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk()
             if not p.is_multipart()}
    assert "Notes &amp; Queries" in parts["text/html"]
    assert "Ada &lt;Countess&gt;" in parts["text/html"]
    assert "Ada <Countess>" in parts["text/plain"]
    assert "Alpha Library interlibrary loan" in parts["text/plain"]  # the library's name
    n = notice(platform, tenant_a, nid)
    assert (n.status, n.attempts, n.subject) == ("sent", 1, msg["Subject"])


def test_server_down_for_a_while_then_back(platform: Platform, tenant_a: TenantFixture) -> None:
    server = SmtpServer()  # port chosen, server not started: connection refused
    configure(platform, tenant_a, server.port)
    nid = queue(platform, tenant_a)
    t0 = utcnow()
    assert send_due(platform, now=t0) == 1
    n = notice(platform, tenant_a, nid)
    assert n.status == "queued" and n.attempts == 1 and "Connection" in (n.last_error or "")
    assert n.next_attempt_at == t0 + dt.timedelta(seconds=30)
    assert send_due(platform, now=t0 + dt.timedelta(seconds=10)) == 0  # not due yet
    assert send_due(platform, now=t0 + dt.timedelta(seconds=31)) == 1  # still down
    n = notice(platform, tenant_a, nid)
    assert n.attempts == 2 and n.next_attempt_at == t0 + dt.timedelta(seconds=91)
    server.start()
    try:
        assert send_due(platform, now=t0 + dt.timedelta(seconds=92)) == 1
        assert send_due(platform, now=t0 + dt.timedelta(hours=5)) == 0
        assert len(server.inbox.messages) == 1
        n = notice(platform, tenant_a, nid)
        assert (n.status, n.attempts, n.last_error) == ("sent", 3, None)
    finally:
        server.stop()


def test_temporary_refusal_retries_and_permanent_refusal_fails(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    configure(platform, tenant_a, smtp.port)
    first = queue(platform, tenant_a, request_id=1)
    smtp.inbox.reply = "451 try later"
    t0 = utcnow()
    send_due(platform, now=t0)
    assert notice(platform, tenant_a, first).status == "queued"
    smtp.inbox.reply = "550 no such mailbox"
    send_due(platform, now=t0 + dt.timedelta(minutes=1))
    n = notice(platform, tenant_a, first)
    assert n.status == "failed" and "550" in (n.last_error or "")
    assert smtp.inbox.messages == []
    smtp.inbox.reply = "250 OK"
    with platform.db.tenant(tenant_a.id) as s:
        service.retry(s, first)  # staff put it back
    send_due(platform, now=t0 + dt.timedelta(minutes=2))
    assert notice(platform, tenant_a, first).status == "sent"
    assert len(smtp.inbox.messages) == 1


def test_gives_up_after_max_attempts_but_keeps_the_notice(
        platform: Platform, tenant_a: TenantFixture) -> None:
    server = SmtpServer()
    configure(platform, tenant_a, server.port)
    nid = queue(platform, tenant_a)
    when = utcnow()
    for _ in range(MAX_ATTEMPTS):
        send_due(platform, now=when)
        when += dt.timedelta(hours=2)
    n = notice(platform, tenant_a, nid)
    assert (n.status, n.attempts) == ("failed", MAX_ATTEMPTS)


def test_queuing_twice_is_one_notice_and_end_of_rota_supersedes_new_request(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    first = queue(platform, tenant_a, "new_request", 9)
    assert queue(platform, tenant_a, "new_request", 9) == first
    queue(platform, tenant_a, "end_of_rota", 9)
    assert notice(platform, tenant_a, first).status == "superseded"
    configure(platform, tenant_a, smtp.port)
    send_due(platform)
    assert [m["Subject"] for m in smtp.inbox.messages] == ["We could not get Notes & Queries"]


def test_due_soon_can_repeat_with_its_own_key(platform: Platform, tenant_a: TenantFixture) -> None:
    a = queue(platform, tenant_a, "due_soon", 3, key="due_soon:3:2026-12-01")
    b = queue(platform, tenant_a, "due_soon", 3, key="due_soon:3:2026-12-15")
    assert a != b


def test_without_smtp_settings_notices_wait(platform: Platform, tenant_a: TenantFixture) -> None:
    nid = queue(platform, tenant_a)
    assert send_due(platform) == 0
    assert notice(platform, tenant_a, nid).status == "queued"


def test_no_address_or_inactive_template_is_skipped_not_lost(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    configure(platform, tenant_a, smtp.port)
    no_mail = queue(platform, tenant_a, "cancelled", 1, email=None)
    with platform.db.tenant(tenant_a.id) as s:
        service.set_template(s, "delivered", "s", "<p>b</p>", False, actor="t")
    inactive = queue(platform, tenant_a, "delivered", 2)
    send_due(platform)
    assert notice(platform, tenant_a, no_mail).last_error == "no e-mail address for the patron"
    assert notice(platform, tenant_a, inactive).status == "skipped"
    assert smtp.inbox.messages == []


def test_tenant_template_is_used_and_tenants_use_their_own_server(
        platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture,
        smtp: SmtpServer) -> None:
    other = SmtpServer()
    other.start()
    try:
        configure(platform, tenant_a, smtp.port)
        configure(platform, tenant_b, other.port)
        with platform.db.tenant(tenant_a.id) as s:
            service.set_template(s, "new_request", "A: {{ item.title }}", "<b>{{ item.title }}</b>",
                                 True, actor="t")
        queue(platform, tenant_a)
        queue(platform, tenant_b)
        assert send_due(platform) == 2
        assert [m["Subject"] for m in smtp.inbox.messages] == ["A: Notes & Queries"]
        assert [m["Subject"] for m in other.inbox.messages] == [
            "We are looking for Notes & Queries"]
    finally:
        other.stop()


def test_a_lease_that_ran_out_is_claimed_again(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    configure(platform, tenant_a, smtp.port)
    nid = queue(platform, tenant_a)
    with platform.db.tenant(tenant_a.id) as s:  # a worker claimed it and died
        n = s.get(Notice, nid)
        n.status, n.lease_until, n.attempts = "sending", utcnow() + dt.timedelta(minutes=5), 1
    assert send_due(platform) == 0  # lease still held
    assert send_due(platform, now=utcnow() + dt.timedelta(minutes=6)) == 1
    assert notice(platform, tenant_a, nid).status == "sent"


def test_engine_style_calls_aliases_and_unknown_triggers(
        platform: Platform, tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as s:
        n = service.queue_notice(s, "request_cancelled", 5)  # the engine's name and call
        assert n is not None and n.trigger == "cancelled"
        assert service.queue_notice(s, "no_such_trigger", 5) is None  # logged, not raised


def test_staff_notice_goes_to_the_staff_address(
        platform: Platform, tenant_a: TenantFixture, smtp: SmtpServer) -> None:
    configure(platform, tenant_a, smtp.port)
    with platform.db.tenant(tenant_a.id) as s:
        settings.set_value(s, "notices", "staff_notice_email", "ill-staff@alpha.example")
        service.queue_notice(s, "new_supply_request", 11, values=VALUES)
    send_due(platform)
    assert [m["To"] for m in smtp.inbox.messages] == ["ill-staff@alpha.example"]
