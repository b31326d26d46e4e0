"""Access cases for the ISO 18626 staff routes: B never sees A's protocol log or outbox."""

from __future__ import annotations

from reshare.iso18626 import outbox, protocol_log
from reshare.platform import Platform
from reshare.settings import service as settings_service
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture
from tests.unit.iso18626 import builders

SECRET_REQUEST = "ALPHASECRET-REQ~1"


def _a_has_log_entry(platform: Platform, a: TenantFixture) -> int:
    with platform.db.tenant(a.id) as session:
        settings_service.set_value(session, None, "loggingISO18626", "yes")
        protocol_log.record(session, direction="in", element="request",
                            request_id=SECRET_REQUEST, peer_symbol="RESHARE:X",
                            body="<secret/>", message_status="OK")
        session.flush()
        return int(protocol_log.list_entries(session, limit=1)[0]["id"])


def _log_listing(platform: Platform, a: TenantFixture) -> Probe:
    _a_has_log_entry(platform, a)
    return Probe(marker=SECRET_REQUEST, expect_status=200)


def _log_entry(platform: Platform, a: TenantFixture) -> Probe:
    entry_id = _a_has_log_entry(platform, a)
    return Probe(path_params={"entry_id": str(entry_id)}, marker=SECRET_REQUEST,
                 expect_status=404)


def _outbox_listing(platform: Platform, a: TenantFixture) -> Probe:
    with platform.db.tenant(a.id) as session:
        outbox.enqueue(session, sender_symbol="RESHARE:ALPHA", peer_symbol="RESHARE:BETA",
                       message=builders.ram(request_id=SECRET_REQUEST),
                       request_ref=SECRET_REQUEST, peer_url="http://127.0.0.1:9/iso18626")
    return Probe(marker=SECRET_REQUEST, expect_status=200)


CASES = {
    ("GET", "/iso18626/log"): AccessCase(_log_listing),
    ("GET", "/iso18626/log/{entry_id}"): AccessCase(_log_entry),
    ("GET", "/iso18626/outbox"): AccessCase(_outbox_listing),
}
