"""Access cases for notice routes: another library's queue and templates stay out of reach."""

from __future__ import annotations

from reshare.notices import service
from reshare.platform import Platform
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

SUBJECT = "ALPHA-ONLY-SUBJECT {{ item.title }}"


def _a_has_failed_notice(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        n = service.queue_notice(s, "cancelled", 4242, email="alpha-patron@example.edu")
        n.status = "failed"
        nid = n.id

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            assert service.list_notices(s)[0].status == "failed"

    return Probe(path_params={"notice_id": str(nid)}, marker="alpha-patron@example.edu",
                 verify=verify, expect_status=None)


def _a_has_template(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as s:
        service.set_template(s, "overdue", SUBJECT, "<p>x</p>", True, actor="a")

    def verify() -> None:
        with platform.db.tenant(a.id) as s:
            t = [t for t in service.list_templates(s) if t["trigger"] == "overdue"][0]
            assert t["subject"] == SUBJECT

    return Probe(path_params={"trigger": "overdue"}, marker="ALPHA-ONLY-SUBJECT",
                 json={"subject": "hacked", "body": "<p>h</p>"}, verify=verify,
                 expect_status=None)


CASES = {
    ("GET", "/notices"): AccessCase(_a_has_failed_notice),
    ("POST", "/notices/{notice_id}/retry"): AccessCase(_a_has_failed_notice),
    ("GET", "/notice-templates"): AccessCase(_a_has_template),
    ("PUT", "/notice-templates/{trigger}"): AccessCase(_a_has_template),
    ("DELETE", "/notice-templates/{trigger}"): AccessCase(_a_has_template),
}
