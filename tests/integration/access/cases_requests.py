"""Access cases for the request routes: tenant B never reaches tenant A's requests."""

from __future__ import annotations

from reshare.platform import Platform
from reshare.requests import service
from reshare.requests.model import NewRequest
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

A_TITLE = "Alpha Secret Title"


def _a_request(platform: Platform, a: TenantFixture) -> int:
    view = service.create_request(platform, a.id, NewRequest(title=A_TITLE, patron_id="PA"),
                                  actor="tests")
    return view.id


def _unchanged(platform: Platform, a: TenantFixture, rid: int, state: str) -> None:
    assert service.get_request(platform, a.id, rid).state == state


def _by_id(platform: Platform, a: TenantFixture) -> Probe:
    rid = _a_request(platform, a)
    state = service.get_request(platform, a.id, rid).state
    return Probe(path_params={"request_id": str(rid)},
                 json={"action": "requesterCancel", "params": {}}, marker=A_TITLE,
                 verify=lambda: _unchanged(platform, a, rid, state))


def _list(platform: Platform, a: TenantFixture) -> Probe:
    _a_request(platform, a)
    return Probe(marker=A_TITLE, expect_status=200)


def _create(platform: Platform, a: TenantFixture) -> Probe:
    rid = _a_request(platform, a)
    return Probe(json={"title": "Beta's own", "patron_id": "PB"}, marker=A_TITLE,
                 expect_status=201, verify=lambda: _unchanged(
                     platform, a, rid, service.get_request(platform, a.id, rid).state))


def _bulk(platform: Platform, a: TenantFixture) -> Probe:
    rid = _a_request(platform, a)
    state = service.get_request(platform, a.id, rid).state
    return Probe(json={"request_ids": [rid], "action": "requesterRejectConditions",
                       "params": {}}, marker=A_TITLE, expect_status=200,
                 verify=lambda: _unchanged(platform, a, rid, state))


def _pull_slips(platform: Platform, a: TenantFixture) -> Probe:
    rid = _a_request(platform, a)
    state = service.get_request(platform, a.id, rid).state
    return Probe(json={"request_ids": [rid]}, marker=A_TITLE, expect_status=200,
                 verify=lambda: _unchanged(platform, a, rid, state))


CASES = {
    ("GET", "/requests"): AccessCase(_list),
    ("POST", "/requests"): AccessCase(_create),
    ("GET", "/requests/{request_id}"): AccessCase(_by_id),
    ("GET", "/requests/{request_id}/audit"): AccessCase(_by_id),
    ("GET", "/requests/{request_id}/messages"): AccessCase(_by_id),
    ("GET", "/requests/{request_id}/manual-close-states"): AccessCase(_by_id),
    ("POST", "/requests/{request_id}/actions"): AccessCase(_by_id),
    ("POST", "/requests/bulk-actions"): AccessCase(_bulk),
    ("POST", "/requests/pull-slips/printed"): AccessCase(_pull_slips),
}
