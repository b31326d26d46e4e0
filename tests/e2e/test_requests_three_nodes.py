"""Three installations (one requester, two suppliers), each its own server process and database,
talking ISO 18626 over real HTTP: unfilled at the first lender, loaned by the second, renewed,
returned and completed; a cancel after shipping is refused; a cancel before shipping is accepted;
conditions agreed; a copy delivered by URL."""

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


def _prepare(workdir: Path, code: str, port: int, settings: dict[str, str],
             peers: dict[str, str]) -> str:
    """Database, tenant, staff token, settings and directory entries, before the server starts."""
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
        for peer, url in peers.items():
            editing.create_entry(s, tenant, editing.EntryDraft(
                type="institution", name=peer, slug=peer.lower(), symbols=[f"RESHARE:{peer}"],
                services={"ISO18626": f"{url}/iso18626"}))
    platform.close()
    return token


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    ports = {c: free_port() for c in ("REQ", "SUPA", "SUPB")}
    urls = {c: f"http://127.0.0.1:{p}" for c, p in ports.items()}
    plans = {
        "REQ": ({"routing_adapter": "static", "static_routes": "RESHARE:SUPA,RESHARE:SUPB",
                 "request_id_prefix": "E2E-"}, {"SUPA": urls["SUPA"], "SUPB": urls["SUPB"]}),
        "SUPA": ({"iso18626_gateway_address": f"{urls['REQ']}/iso18626"}, {}),
        "SUPB": ({"iso18626_gateway_address": f"{urls['REQ']}/iso18626"}, {}),
    }
    found: dict[str, Node] = {}
    with ExitStack() as stack:
        for code, (settings, peers) in plans.items():
            workdir = tmp_path_factory.mktemp(code)
            token = _prepare(workdir, code, ports[code], settings, peers)
            server = stack.enter_context(reshare_process(
                ["serve", "--port", str(ports[code])], workdir, port=ports[code],
                env={"RESHARE_SECRET_KEY": "e2e", "RESHARE_ADMIN_TOKEN": "e2e-admin"}))
            found[code] = Node(code, server.url, token, workdir)
        yield found


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _state(node: Node, hrid: str) -> str:
    return str(node.one(hrid).get("state", ""))


def test_unfilled_then_second_lender_loans_renews_and_completes(nodes: dict[str, Node]) -> None:
    req, sa, sb = nodes["REQ"], nodes["SUPA"], nodes["SUPB"]
    created = req.call("POST", "/requests", json={"title": "Dune", "patron_id": "P1"})
    hrid = created["hrid"]
    wait_for(lambda: _state(sa, hrid) == "RES_IDLE", "first lender to receive")
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
    early = req.call("POST", "/requests", json={"title": "Early", "patron_id": "P2"})
    wait_for(lambda: _state(sa, early["hrid"]) == "RES_IDLE", "request at the lender")
    req.act(early["id"], "requesterCancel", reason="patron_requested")
    wait_for(lambda: _state(req, early["hrid"]) == "REQ_CANCELLED", "cancel accepted")
    assert _state(sa, early["hrid"]) == "RES_CANCELLED"
    late = req.call("POST", "/requests", json={"title": "Late", "patron_id": "P3"})
    wait_for(lambda: _state(sa, late["hrid"]) == "RES_IDLE", "request at the lender")
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
    cond = req.call("POST", "/requests", json={"title": "Rare", "patron_id": "P4"})
    wait_for(lambda: _state(sa, cond["hrid"]) == "RES_IDLE", "request at the lender")
    sa.act(sa.one(cond["hrid"])["id"], "supplierConditionalSupply",
           loanCondition="LibraryUseOnly", cost="4.50", costCurrency="USD")
    wait_for(lambda: _state(req, cond["hrid"]) == "REQ_CONDITIONAL_ANSWER_RECEIVED",
             "conditions at the requester")
    req.act(cond["id"], "requesterAgreeConditions")
    wait_for(lambda: _state(sa, cond["hrid"]) == "RES_NEW_AWAIT_PULL_SLIP", "agreement")
    copy = req.call("POST", "/requests", json={"title": "Journal", "patron_id": "P5",
                                                "service_type": "Copy"})
    wait_for(lambda: _state(sa, copy["hrid"]) == "RES_IDLE", "copy request at the lender")
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
    created = req.call("POST", "/requests", json={"title": "Overdue", "patron_id": "P6"})
    hrid = created["hrid"]
    wait_for(lambda: _state(nodes["SUPA"], hrid) == "RES_IDLE", "first lender")
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
