"""``GET /requests?wait=``: long polling woken by committed request changes, and the
``hrid`` filter it is used with."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.requests import service
from reshare.requests.core import Ctx
from reshare.requests.model import NewRequest
from tests.integration.requests.helpers import drain, make_pair
from tests.support.factories import TenantFixture


def test_hrid_filter_finds_both_sides(client: TestClient, platform: Platform,
                                      tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])
    first = client.post("/requests", json={"title": "Dune", "patron_id": "P1"},
                        headers=tenant_a.headers()).json()
    client.post("/requests", json={"title": "Emma", "patron_id": "P1"},
                headers=tenant_a.headers())
    drain(platform)
    mine = client.get(f"/requests?hrid={first['hrid']}", headers=tenant_a.headers()).json()
    assert [r["id"] for r in mine] == [first["id"]]
    theirs = client.get(f"/requests?hrid={first['hrid']}&role=supplier",
                        headers=tenant_b.headers()).json()
    assert [r["data"]["title"] for r in theirs] == ["Dune"]
    assert client.get("/requests?hrid=NOPE-1", headers=tenant_a.headers()).json() == []


def test_a_match_answers_at_once(client: TestClient, platform: Platform,
                                 tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])
    made = client.post("/requests", json={"title": "Dune", "patron_id": "P1"},
                       headers=tenant_a.headers()).json()
    started = time.monotonic()
    found = client.get(f"/requests?hrid={made['hrid']}&wait=30", headers=tenant_a.headers())
    assert found.status_code == 200 and found.json()[0]["id"] == made["id"]
    assert time.monotonic() - started < 10  # not the 30 s of waiting


@pytest.mark.parametrize("recheck", [None, 60.0], ids=["with periodic looks", "signal only"])
def test_waiting_ends_when_the_request_changes(client: TestClient, platform: Platform,
                                               tenant_a: TenantFixture,
                                               tenant_b: TenantFixture,
                                               monkeypatch: pytest.MonkeyPatch,
                                               recheck: float | None) -> None:
    """With no periodic look ("signal only"), only the signal can end the wait: the key the
    waiter listens on must be the one a committed change of its request announces."""
    if recheck is not None:
        from reshare.requests import changes

        monkeypatch.setattr(changes, "RECHECK_SECONDS", recheck)
    make_pair(platform, tenant_a, [tenant_b])
    made = client.post("/requests", json={"title": "Dune", "patron_id": "P1"},
                       headers=tenant_a.headers()).json()
    assert made["state"] != "REQ_EXPECTS_TO_SUPPLY"  # the supplier has not answered yet

    def supplier_answers() -> None:
        time.sleep(0.5)
        drain(platform)  # the supplier's auto-responder answers; our request moves on

    helper = threading.Thread(target=supplier_answers)
    helper.start()
    started = time.monotonic()
    found = client.get(f"/requests?hrid={made['hrid']}&role=requester"
                       "&state=REQ_EXPECTS_TO_SUPPLY&wait=30", headers=tenant_a.headers())
    took = time.monotonic() - started
    helper.join()
    assert [r["state"] for r in found.json()] == ["REQ_EXPECTS_TO_SUPPLY"]
    assert 0.4 < took < 20


def test_nothing_matching_answers_empty_after_the_wait(client: TestClient,
                                                       platform: Platform,
                                                       tenant_a: TenantFixture) -> None:
    started = time.monotonic()
    found = client.get("/requests?hrid=NONE-1&wait=1.2", headers=tenant_a.headers())
    assert found.status_code == 200 and found.json() == []
    assert time.monotonic() - started >= 1.2


def test_wait_is_bounded(client: TestClient, tenant_a: TenantFixture) -> None:
    assert client.get("/requests?wait=3600", headers=tenant_a.headers()).status_code == 422


def test_another_tenants_change_does_not_answer(client: TestClient, platform: Platform,
                                                tenant_a: TenantFixture,
                                                tenant_b: TenantFixture) -> None:
    make_pair(platform, tenant_a, [tenant_b])

    def other_library_works() -> None:
        time.sleep(0.3)
        service.create_request(platform, tenant_b.id, NewRequest(title="Emma", patron_id="Q"),
                               actor="t")

    helper = threading.Thread(target=other_library_works)
    helper.start()
    found = client.get("/requests?wait=1.5", headers=tenant_a.headers()).json()
    helper.join()
    assert found == []  # woken by B's change, A still has nothing: it keeps waiting


def test_commits_that_change_requests_signal(platform: Platform, tenant_a: TenantFixture,
                                             tenant_b: TenantFixture) -> None:
    from reshare.requests.changes import changes_for
    from reshare.settings import service as settings_service

    make_pair(platform, tenant_a, [tenant_b])
    signal = changes_for(platform.db.engine)
    before = signal.version
    with platform.db.tenant(tenant_a.id) as session:  # no request touched
        settings_service.set_value(session, None, "request_id_prefix", "ZZ-")
    assert signal.version == before
    with pytest.raises(RuntimeError), platform.db.tenant(tenant_a.id) as session:
        service.new_requester_row(Ctx(platform, session, tenant_a.id, "t"),
                                  NewRequest(title="Gone", patron_id="P"))
        session.flush()
        raise RuntimeError("rolled back: nothing to tell")
    assert signal.version == before
    service.create_request(platform, tenant_a.id, NewRequest(title="Dune", patron_id="P"),
                           actor="t")
    assert signal.version > before


def test_a_waiter_is_woken_from_another_thread() -> None:
    import asyncio

    from reshare.requests.changes import Changes

    signal = Changes()

    async def wait() -> float:
        seen = signal.version
        threading.Timer(0.2, signal.notify).start()
        started = time.monotonic()
        await signal.wait_past(seen, 30)
        return time.monotonic() - started

    took = asyncio.run(wait())
    assert signal.version == 1 and took < 15  # woken, not timed out

    async def already_moved() -> float:
        started = time.monotonic()
        await signal.wait_past(0, 30)  # the version is 1 already: no wait at all
        return time.monotonic() - started

    assert asyncio.run(already_moved()) < 15


def test_a_waiter_for_one_request_sleeps_through_changes_to_others() -> None:
    import asyncio

    from reshare.requests.changes import Changes

    signal = Changes()
    mine, other = (1, "A-1"), (1, "A-2")

    async def wait() -> tuple[float, bool]:
        seen = signal.version
        threading.Timer(0.1, signal.notify, args=([other],)).start()
        started = time.monotonic()
        await signal.wait_past(seen, 1.0, mine)  # the other request's change: no wake
        slept = time.monotonic() - started
        seen = signal.version
        threading.Timer(0.1, signal.notify, args=([mine, other],)).start()
        started = time.monotonic()
        await signal.wait_past(seen, 30, mine)
        return slept, time.monotonic() - started < 15

    slept, woken = asyncio.run(wait())
    assert slept >= 0.9 and woken


def test_a_change_before_the_wait_counts_only_for_its_request() -> None:
    import asyncio

    from reshare.requests import changes

    signal = changes.Changes()
    seen = signal.version
    signal.notify([(1, "A-2")])

    async def took(key: tuple[int, str] | None, timeout: float) -> float:
        started = time.monotonic()
        await signal.wait_past(seen, timeout, key)
        return time.monotonic() - started

    assert asyncio.run(took((1, "A-2"), 30)) < 15  # changed after `seen`: no wait
    assert asyncio.run(took(None, 30)) < 15  # a waiter for any request: no wait either
    assert asyncio.run(took((2, "A-2"), 0.3)) >= 0.25  # same number, another tenant: waits
    signal.notify([None])  # which requests is unknown: everyone looks again
    assert asyncio.run(took((2, "A-2"), 30)) < 15


def test_forgotten_request_keys_count_as_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from reshare.requests import changes

    monkeypatch.setattr(changes, "REMEMBERED", 2)
    signal = changes.Changes()
    seen = signal.version
    signal.notify([(1, "A-1")])
    signal.notify([(1, "A-2")])
    signal.notify([(1, "A-3")])  # A-1's change is forgotten: a waiter for it must look again

    async def took() -> float:
        started = time.monotonic()
        await signal.wait_past(seen, 30, (1, "A-1"))
        return time.monotonic() - started

    assert asyncio.run(took()) < 15

