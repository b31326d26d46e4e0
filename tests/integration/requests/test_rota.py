"""Rota: local first, load balancing from peers' RS_STATS and loan:borrow ratios, lenders that do
not lend dropped, last-resort lenders appended; each entry keeps its score and reason."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reshare.directory import editing
from reshare.platform import Platform
from tests.integration.requests.helpers import configure, make_pair
from tests.support.factories import TenantFixture

STATS = {"/busy": {"ACTIVE_LOAN": 9, "ACTIVE_BORROW": 1},
         "/idle": {"ACTIVE_LOAN": 0, "ACTIVE_BORROW": 4}}


class _Stats(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = json.dumps({"requestsByTag": STATS.get(self.path, {})}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stats_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stats)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_rota_ranks_by_load_and_policy(platform: Platform, tenant_a: TenantFixture,
                                       tenant_b: TenantFixture, stats_url: str) -> None:
    pair = make_pair(platform, tenant_a, [tenant_b])
    with platform.db.tenant(tenant_a.id) as s:
        for name, path, props in (("BUSY", "/busy", {}),
                                  ("IDLE", "/idle", {"policy.ill.InstitutionalLoanToBorrowRatio":
                                                     "2:1"}),
                                  ("NOLEND", "/idle", {"policy.ill.loan_policy": "not_lending"})):
            editing.create_entry(s, tenant_a.id, editing.EntryDraft(
                type="institution", name=name, slug=name.lower(), symbols=[f"RESHARE:{name}"],
                services={"RS_STATS": f"{stats_url}{path}"}, properties=props))
    configure(platform, tenant_a, static_routes="RESHARE:BUSY,RESHARE:NOLEND,RESHARE:IDLE,"
              "RESHARE:ALPHA", last_resort_lenders="RESHARE:BETA")
    r = pair.create()
    rota = [(e["symbol"], float(e["score"]) if e["score"] is not None else None, e["reason"])
            for e in r.rota]
    assert [s for s, _, _ in rota] == ["RESHARE:ALPHA", "RESHARE:IDLE", "RESHARE:BUSY",
                                       "RESHARE:BETA"]
    assert rota[0][1] == 10000 and "Local" in rota[0][2]
    assert rota[1][1] == 8 and "ratio 2" in rota[1][2]  # 4 borrowed x 2 - 0 lent
    assert rota[2][1] == -8  # 1 x 1 - 9
    assert rota[3][1] is None and rota[3][2] == "Last resort lender"
    assert r.state == "REQ_LOCAL_REVIEW"  # our own symbol ranks first: review locally
    r = pair.act(tenant_a, r.id, "localSupplierCannotSupply")
    assert r.data["supplying_symbol"] == "RESHARE:IDLE"
