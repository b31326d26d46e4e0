"""Access cases for the request pages: B never sees or acts on A's requests."""

from __future__ import annotations

import importlib
import itertools

from reshare.platform import Platform
from tests.integration.access import AccessCase, Probe
from tests.support.factories import TenantFixture

_n = itertools.count()


def _a_has_request(platform: Platform, a: TenantFixture) -> Probe:
    try:
        service = importlib.import_module("reshare.requests.service")
    except ImportError:  # engine not installed: pages answer 503, nothing to leak
        return Probe(expect_status=None, path_params={"request_id": "1", "action": "message"})
    title = f"ALPHA-SECRET-TITLE-{next(_n)}"
    view = service.create_request(platform, a.id, service.NewRequest(title=title,
                                                                     patron_id="alpha-p"),
                                  actor="test")
    state = view.state

    def verify() -> None:
        after = service.get_request(platform, a.id, view.id)
        assert after.state == state and not after.messages

    return Probe(path_params={"request_id": str(view.id), "action": "message"},
                 query={"side": "requester", "q": view.hrid, "closed": "1"},
                 content=f"note=hi&codes={view.hrid}&action=requesterCancel".encode(),
                 headers={"content-type": "application/x-www-form-urlencoded"},
                 marker=title, expect_status=None, verify=verify)


CASES = {
    ("GET", "/ui/requests"): AccessCase(_a_has_request),
    ("GET", "/ui/requests/{request_id}"): AccessCase(_a_has_request),
    ("POST", "/ui/requests/{request_id}/actions/{action}"): AccessCase(_a_has_request),
    ("GET", "/ui/pullslips.pdf"): AccessCase(_a_has_request),
    ("POST", "/ui/pullslips/printed"): AccessCase(_a_has_request),
    ("GET", "/ui/scan"): AccessCase(_a_has_request),
    ("POST", "/ui/scan"): AccessCase(_a_has_request),
}
