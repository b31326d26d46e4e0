"""Access cases for staff pages: a page shows only the caller's library."""

from __future__ import annotations

import itertools

from reshare.notices import service as notices
from reshare.platform import Platform
from reshare.settings import service as settings_service
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

A_PREFIX = "ALPHAPAGE-"
_slugs = itertools.count()
A_SUBJECT = "ALPHA-PAGE-SUBJECT"


def _a_has_settings(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        settings_service.set_value(s, "requests", "request_id_prefix", A_PREFIX)
        settings_service.set_value(s, "notices", "smtp_host", "alpha-mail.example")

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            assert settings_service.get_value(s, "request_id_prefix") == A_PREFIX

    return Probe(path_params={"section": "requests"}, marker=A_PREFIX, expect_status=None,
                 verify=verify)


def _a_has_notices(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        n = notices.queue_notice(s, "cancelled", 777, email="alpha-page@example.edu")
        assert n is not None
        n.status = "failed"
        nid = n.id
        notices.set_template(s, "overdue", A_SUBJECT, "<p>x</p>", True, actor="a")

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            assert notices.list_notices(s)[0].status == "failed"
            t = [t for t in notices.list_templates(s) if t["trigger"] == "overdue"][0]
            assert t["subject"] == A_SUBJECT

    return Probe(path_params={"notice_id": str(nid), "trigger": "overdue"},
                 marker="alpha-page@example.edu", expect_status=None, verify=verify)


def _a_subject_hidden(platform: Platform, a: TenantFixture) -> Probe:
    probe = _a_has_notices(platform, a)
    probe.marker = A_SUBJECT
    return probe


CASES = {
    ("GET", "/ui/"): AccessCase(_a_has_settings),
    ("GET", "/ui/settings"): AccessCase(_a_has_settings),
    ("GET", "/ui/settings/{section}"): AccessCase(_a_has_settings),
    ("POST", "/ui/settings/{section}"): AccessCase(_a_has_settings),
    ("GET", "/ui/check"): AccessCase(_a_has_settings),
    ("GET", "/ui/notices"): AccessCase(_a_has_notices),
    ("POST", "/ui/notices/{notice_id}/retry"): AccessCase(_a_has_notices),
    ("GET", "/ui/notices/templates/{trigger}"): AccessCase(_a_subject_hidden),
    ("POST", "/ui/notices/templates/{trigger}"): AccessCase(_a_subject_hidden),
}


def _a_has_directory_entry(platform: Platform, a: TenantFixture) -> Probe:
    try:
        from reshare.directory import editing
    except ImportError:
        return Probe(expect_status=None, path_params={"key": "x"})
    slug = f"alpha-private-{next(_slugs)}"
    with platform.db.tenant(a.id) as s:
        editing.create_entry(s, a.id, editing.EntryDraft(
            type="institution", name="Alpha Private Name", slug=slug))

    def verify() -> None:
        from reshare.directory import service

        with platform.db.tenant(a.id) as s:
            assert service.get_entry(s, slug).name == "Alpha Private Name"

    return Probe(path_params={"key": slug},
                 content=b"name=HACKED&tags=pickup",
                 headers={"content-type": "application/x-www-form-urlencoded"},
                 expect_status=None, verify=verify)


CASES.update({
    ("GET", "/ui/directory"): AccessCase(_a_has_directory_entry),
    ("GET", "/ui/directory/{key}"): AccessCase(_a_has_directory_entry),
    ("POST", "/ui/directory/{key}"): AccessCase(_a_has_directory_entry),
    ("GET", "/ui/sharedindex"): AccessCase(_a_has_settings),
})
