"""Protocol log retention (loggingISO18626Days) and the `reshare iso18626 check` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from reshare.db import utcnow
from reshare.iso18626 import jobs, protocol_log
from reshare.iso18626.store import ProtocolLogEntry
from reshare.platform import Platform
from tests.integration.iso18626.support import set_setting
from tests.support.factories import TenantFixture

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures/iso18626/samples"


def _entry(platform: Platform, tenant_id: int, age_days: int, marker: str) -> None:
    with platform.db.tenant(tenant_id) as session:
        session.add(ProtocolLogEntry(direction="in", element="request", request_id=marker,
                                     created_at=utcnow() - dt.timedelta(days=age_days)))


def _markers(platform: Platform, tenant_id: int) -> set[str]:
    with platform.db.tenant(tenant_id) as session:
        return {e.request_id for e in session.scalars(select(ProtocolLogEntry))}


def test_retention_per_tenant(platform: Platform, tenant_a: TenantFixture,
                              tenant_b: TenantFixture) -> None:
    set_setting(platform, tenant_a.id, "loggingISO18626Days", "7")  # B keeps the default 30
    for tenant in (tenant_a, tenant_b):
        _entry(platform, tenant.id, 1, "fresh")
        _entry(platform, tenant.id, 10, "ten-days")
        _entry(platform, tenant.id, 40, "forty-days")
    assert jobs.retention(platform) == 0  # a periodic job: never "more work now"
    assert _markers(platform, tenant_a.id) == {"fresh"}
    assert _markers(platform, tenant_b.id) == {"fresh", "ten-days"}


def test_nothing_logged_while_logging_is_off(platform: Platform,
                                             tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as session:
        assert not protocol_log.enabled(session)
        protocol_log.record(session, direction="out", element="request", request_id="X",
                            peer_symbol="RESHARE:B", body="<x/>")
    assert _markers(platform, tenant_a.id) == set()


def test_check_command() -> None:
    from reshare.iso18626.cli import iso_app

    runner = CliRunner()
    ok = runner.invoke(iso_app, ["check", str(SAMPLES / "mod-rs/test__request.xml")])
    assert ok.exit_code == 0 and "lenient: message without the ISO18626Message wrapper" in \
        ok.output
    bad = runner.invoke(iso_app, ["check", str(
        SAMPLES / "mod-rs/integration__statusChangeUnfilledTemplate.xml")])
    assert bad.exit_code == 1 and "'_TIMESTAMP_' is not a date-time" in bad.output
