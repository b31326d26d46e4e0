"""One requester and two suppliers talking ISO 18626 over real HTTP, laid out twice: as three
installations (each its own server process and database), and as three tenants of one server
process. The flows: a loan from request to completion; unfilled at the first lender, loaned by
the second, renewed, returned and completed; a cancel before shipping is accepted, one after
shipping refused; conditions agreed, and rejected (the request goes to the next lender); a copy
delivered by URL; an overdue loan."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from reshare import capabilities, migrate
from reshare.config import AppSettings
from reshare.directory import editing
from reshare.platform import build_platform
from reshare.settings import service as settings_service
from reshare.tenancy import service as tenancy
from reshare.tenancy.model import Role
from tests.support.servers import free_port, reshare_process

pytestmark = pytest.mark.e2e


@dataclass
class Node:
    code: str
    url: str
    token: str
    workdir: Path

    def run_timers_once(self) -> None:
        """`reshare worker --once` on this node's database (the overdue timer is hourly)."""
        env = {**os.environ, "RESHARE_DATABASE_URL": f"sqlite:///{self.workdir / 'var' / 'reshare.db'}",
               "RESHARE_VAR_DIR": str(self.workdir / "var"), "RESHARE_SECRET_KEY": "e2e",
               "RESHARE_ADMIN_TOKEN": "e2e-admin"}
        done = subprocess.run([sys.executable, "-m", "reshare.cli", "worker", "--once"],
                              cwd=self.workdir, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def call(self, method: str, path: str, **kw: Any) -> Any:
        r = httpx.request(method, f"{self.url}{path}", timeout=30,
                          headers={"Authorization": f"Bearer {self.token}"}, **kw)
        assert r.status_code < 400, (method, path, r.status_code, r.text)
        return r.json()

    def act(self, rid: int, action: str, **params: Any) -> Any:
        return self.call("POST", f"/requests/{rid}/actions",
                         json={"action": action, "params": params})

    def one(self, hrid: str) -> dict[str, Any]:
        found = [r for r in self.call("GET", "/requests") if r["hrid"] == hrid]
        return self.call("GET", f"/requests/{found[0]['id']}") if found else {}


def _prepare(workdir: Path, code: str, settings: dict[str, str], entries: dict[str, str]) -> str:
    """Database (made once per work folder), tenant, staff token, settings and the directory
    entries this library makes (code → server URL), before the server starts."""
    var = workdir / "var"
    platform = build_platform(AppSettings(database_url=f"sqlite:///{var / 'reshare.db'}",
                                          var_dir=str(var), secret_key="e2e",
                                          admin_token="e2e-admin", inprocess_worker=False))
    capabilities.load_models()
    migrate.upgrade(platform.db.engine)
    tenant = tenancy.create_tenant(platform.db, code, code).id
    tenancy.create_user(platform.db, tenant, "staff", "long-enough-password", Role.ADMIN)
    token = tenancy.issue_token(platform.db, tenant, "staff", "e2e")
    with platform.db.tenant(tenant) as s:
        for key, value in {"local_symbols": f"RESHARE:{code}", **settings}.items():
            settings_service.set_value(s, None, key, value)
        for peer, url in entries.items():
            editing.create_entry(s, tenant, editing.EntryDraft(
                type="institution", name=peer, slug=peer.lower(), symbols=[f"RESHARE:{peer}"],
                services={"ISO18626": f"{url}/iso18626"}))
    platform.close()
    return token


@pytest.fixture(scope="module", params=["three installations", "one installation"])
def nodes(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    """The requester REQ and the lenders SUPA and SUPB: three server processes with their own
    databases, or three tenants of one server process that sends ISO 18626 to itself over
    HTTP."""
    codes = ("REQ", "SUPA", "SUPB")
    apart = request.param == "three installations"
    ports = {c: free_port() for c in codes} if apart else dict.fromkeys(codes, free_port())
    urls = {c: f"http://127.0.0.1:{p}" for c, p in ports.items()}
    # directory entries: apart, the requester enters its lenders in its own directory; in one
    # installation the directory is shared and each library enters itself
    entries = ({"REQ": ["SUPA", "SUPB"], "SUPA": [], "SUPB": []} if apart
               else {c: [c] for c in codes})
    settings = {
        "REQ": {"routing_adapter": "static", "static_routes": "RESHARE:SUPA,RESHARE:SUPB",
                "request_id_prefix": "E2E-"},
        "SUPA": {"iso18626_gateway_address": f"{urls['REQ']}/iso18626"},
        "SUPB": {"iso18626_gateway_address": f"{urls['REQ']}/iso18626"},
    }
    plans = {c: (settings[c], {e: urls[e] for e in entries[c]}) for c in codes}
    shared = None if apart else tmp_path_factory.mktemp("installation")
    workdirs = {code: shared or tmp_path_factory.mktemp(code) for code in codes}
    tokens = {code: _prepare(workdirs[code], code, *plans[code]) for code in codes}
    found: dict[str, Node] = {}
    with ExitStack() as stack:
        servers: dict[int, str] = {}
        for code in codes:
            port = ports[code]
            if port not in servers:
                servers[port] = stack.enter_context(reshare_process(
                    ["serve", "--port", str(port)], workdirs[code], port=port,
                    env={"RESHARE_SECRET_KEY": "e2e", "RESHARE_ADMIN_TOKEN": "e2e-admin"})).url
            found[code] = Node(code, servers[port], tokens[code], workdirs[code])
        assert len(servers) == (3 if apart else 1)
        yield found


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _state(node: Node, hrid: str) -> str:
    return str(node.one(hrid).get("state", ""))


def _request_at(req: Node, lender: Node, title: str, patron: str, **extra: Any) -> dict[str, Any]:
    """A new request at the requester, once it has reached ``lender`` (RES_IDLE)."""
    created: dict[str, Any] = req.call("POST", "/requests",
                                       json={"title": title, "patron_id": patron, **extra})
    wait_for(lambda: _state(lender, created["hrid"]) == "RES_IDLE",
             f"{title!r} to reach {lender.code}")
    return created


def test_loan_happy_path_to_complete(nodes: dict[str, Node]) -> None:
    req, sa = nodes["REQ"], nodes["SUPA"]
    created = _request_at(req, sa, "Emma", "P0")
    hrid, rid = created["hrid"], created["id"]
    assert hrid.startswith("E2E-")
    sid = sa.one(hrid)["id"]
    sa.act(sid, "respondYes", pickLocation="MAIN", callnumber="PR4034")
    wait_for(lambda: _state(req, hrid) == "REQ_EXPECTS_TO_SUPPLY", "will-supply answer")
    sa.act(sid, "supplierPrintPullSlip")
    sa.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped",
           itemBarcodes=[{"itemId": "E-1"}])
    wait_for(lambda: _state(req, hrid) == "REQ_SHIPPED", "requester to see the loan")
    req.act(rid, "requesterReceived")
    req.act(rid, "patronReturnedItemAndShippedReturn")
    wait_for(lambda: _state(sa, hrid) == "RES_ITEM_RETURNED", "return at the lender")
    sa.act(sid, "supplierCheckOutOfReshare")
    wait_for(lambda: _state(req, hrid) == "REQ_REQUEST_COMPLETE", "completion")
    assert _state(sa, hrid) == "RES_COMPLETE"
    borrowed = [a["to_state"] for a in req.call("GET", f"/requests/{rid}/audit")]
    assert borrowed.index("REQ_SHIPPED") < borrowed.index("REQ_CHECKED_IN") \
        < borrowed.index("REQ_REQUEST_COMPLETE")


def test_conditions_rejected_goes_to_the_next_lender(nodes: dict[str, Node]) -> None:
    req, sa, sb = nodes["REQ"], nodes["SUPA"], nodes["SUPB"]
    created = _request_at(req, sa, "Folio", "P7")
    hrid = created["hrid"]
    sa.act(sa.one(hrid)["id"], "supplierConditionalSupply", loanCondition="NoReproduction")
    wait_for(lambda: _state(req, hrid) == "REQ_CONDITIONAL_ANSWER_RECEIVED",
             "conditions at the requester")
    req.act(created["id"], "requesterRejectConditions", note="we need to copy a page")
    wait_for(lambda: _state(sb, hrid) == "RES_IDLE", "request at the second lender")
    assert _state(sa, hrid) == "RES_CANCELLED"
    detail = req.call("GET", f"/requests/{created['id']}")
    assert detail["state"] == "REQ_REQUEST_SENT_TO_SUPPLIER"
    assert detail["data"]["supplying_symbol"] == "RESHARE:SUPB"


def test_unfilled_then_second_lender_loans_renews_and_completes(nodes: dict[str, Node]) -> None:
    req, sa, sb = nodes["REQ"], nodes["SUPA"], nodes["SUPB"]
    created = _request_at(req, sa, "Dune", "P1")
    hrid = created["hrid"]
    sa.act(sa.one(hrid)["id"], "supplierCannotSupply", reason="missing")
    wait_for(lambda: _state(sb, hrid) == "RES_IDLE", "second lender to receive")
    assert _state(sa, hrid) == "RES_UNFILLED"
    sid = sb.one(hrid)["id"]
    sb.act(sid, "respondYes", pickLocation="MAIN", callnumber="QA1")
    sb.act(sid, "supplierPrintPullSlip")
    sb.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped",
           itemBarcodes=[{"itemId": "B-77"}])
    wait_for(lambda: _state(req, hrid) == "REQ_SHIPPED", "requester to see the loan")
    rid = created["id"]
    assert req.call("GET", f"/requests/{rid}")["volumes"][0]["item_id"] == "B-77"
    req.act(rid, "requesterReceived")
    req.act(rid, "requesterRenew")
    wait_for(lambda: _state(sb, hrid) == "RES_RENEW_REQUESTED", "renewal at the lender")
    sb.act(sid, "supplierRespondToRenew", renewResponse="yes", dueDate="2099-01-01T00:00:00Z")
    wait_for(lambda: _state(req, hrid) == "REQ_CHECKED_IN", "renewal answer")
    assert req.call("GET", f"/requests/{rid}")["data"]["due_date"].startswith("2099-01-01")
    req.act(rid, "patronReturnedItemAndShippedReturn")
    wait_for(lambda: _state(sb, hrid) == "RES_ITEM_RETURNED", "return at the lender")
    sb.act(sid, "supplierCheckOutOfReshare")
    wait_for(lambda: _state(req, hrid) == "REQ_REQUEST_COMPLETE", "completion")


def test_cancel_before_and_after_shipping(nodes: dict[str, Node]) -> None:
    req, sa = nodes["REQ"], nodes["SUPA"]
    early = _request_at(req, sa, "Early", "P2")
    req.act(early["id"], "requesterCancel", reason="patron_requested")
    wait_for(lambda: _state(req, early["hrid"]) == "REQ_CANCELLED", "cancel accepted")
    assert _state(sa, early["hrid"]) == "RES_CANCELLED"
    late = _request_at(req, sa, "Late", "P3")
    sid = sa.one(late["hrid"])["id"]
    sa.act(sid, "respondYes", pickLocation="MAIN", callnumber="Q")
    sa.act(sid, "supplierPrintPullSlip")
    sa.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped", itemBarcodes=[{"itemId": "L"}])
    wait_for(lambda: _state(req, late["hrid"]) == "REQ_SHIPPED", "shipped")
    refused = httpx.post(f"{req.url}/requests/{late['id']}/actions", timeout=30,
                         json={"action": "requesterCancel", "params": {}},
                         headers={"Authorization": f"Bearer {req.token}"})
    assert refused.status_code == 409 and "REQ_SHIPPED" in refused.json()["message"]


def test_conditions_agreed_and_copy_by_url(nodes: dict[str, Node]) -> None:
    req, sa = nodes["REQ"], nodes["SUPA"]
    cond = _request_at(req, sa, "Rare", "P4")
    sa.act(sa.one(cond["hrid"])["id"], "supplierConditionalSupply",
           loanCondition="LibraryUseOnly", cost="4.50", costCurrency="USD")
    wait_for(lambda: _state(req, cond["hrid"]) == "REQ_CONDITIONAL_ANSWER_RECEIVED",
             "conditions at the requester")
    req.act(cond["id"], "requesterAgreeConditions")
    wait_for(lambda: _state(sa, cond["hrid"]) == "RES_NEW_AWAIT_PULL_SLIP", "agreement")
    copy = _request_at(req, sa, "Journal", "P5", service_type="Copy")
    sid = sa.one(copy["hrid"])["id"]
    sa.act(sid, "respondYes")
    sa.act(sid, "supplierPrintPullSlip")
    sa.act(sid, "supplierAddURLToDocument", url="https://docs.example/a.pdf")
    wait_for(lambda: _state(req, copy["hrid"]) == "REQ_DOCUMENT_DELIVERED", "copy delivered")
    assert req.call("GET", f"/requests/{copy['id']}")["data"]["pickup_url"] == \
        "https://docs.example/a.pdf"


def test_overdue_reaches_the_borrower(nodes: dict[str, Node]) -> None:
    req, sb = nodes["REQ"], nodes["SUPB"]
    nodes["SUPA"].call("PUT", "/settings/autoResponder/auto_responder_status",
                       json={"value": "off"})
    created = _request_at(req, nodes["SUPA"], "Overdue", "P6")
    hrid = created["hrid"]
    nodes["SUPA"].act(nodes["SUPA"].one(hrid)["id"], "supplierCannotSupply")
    wait_for(lambda: _state(sb, hrid) == "RES_IDLE", "second lender")
    sid = sb.one(hrid)["id"]
    sb.act(sid, "respondYes", pickLocation="MAIN", callnumber="Q")
    sb.act(sid, "supplierPrintPullSlip")
    sb.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped",
           itemBarcodes=[{"itemId": "OD"}], loanDateOverride="2020-01-01T00:00:00Z")
    wait_for(lambda: _state(req, hrid) == "REQ_SHIPPED", "shipped")
    req.act(created["id"], "requesterReceived")
    sb.run_timers_once()
    assert _state(sb, hrid) == "RES_OVERDUE"
    wait_for(lambda: _state(req, hrid) == "REQ_OVERDUE", "overdue at the borrower")
    req.act(created["id"], "shippedReturn")
    wait_for(lambda: _state(sb, hrid) == "RES_ITEM_RETURNED", "return")
