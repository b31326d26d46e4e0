"""End to end: a loan between two tenants whose LMSs are two simulator processes.

Requester (tenant A, LMS simulator A, FOLIO profile) and supplier (tenant B, simulator B, as
Alma reached by SRU, or as Koha reached by Z39.50 through the simulator's Zebra server and
namespace-free NCIP): patron validated by LookupUser, supplier availability, CheckOutItem to the
institutional patron on ship, AcceptItem (temporary item) on receipt, CheckInItem + DeleteItem on
the patron's return, CheckInItem at the supplier on return. Each simulator's state is read over
HTTP and asserted after every step. (The request engine drives these calls later; here the
adapters are driven directly, as built from each tenant's settings.)
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from reshare.lms.ncip.client import NcipClient
from reshare.lms.ncip.messages import Header
from reshare.lms.service import availability_for_tenant, institutional_patron_id, lms_for_tenant
from reshare.platform import Platform
from reshare.requests.ports import BibQuery, ItemToAccept
from reshare.settings.service import set_value
from tests.support.factories import TenantFixture

pytestmark = pytest.mark.e2e
RESHARE = str(Path(sys.executable).with_name("reshare"))

REQUESTER_LMS = {
    "agency": "REQ",
    "patrons": [{"id": "p-alice", "username": "alice", "given_name": "Alice",
                 "surname": "Reader", "email": "alice@req.example", "profile": "FACULTY"},
                {"id": "p-carol", "surname": "Blocked", "profile": "STUDENT", "blocked": True}],
    "items": [],
}
SUPPLIER_LMS = {
    "agency": "SUP",
    "patrons": [{"id": "INST-REQ", "surname": "Requester Library ILL", "profile": "LIBRARY"}],
    "items": [{"barcode": "B-1001", "bib_id": "bib-77", "title": "The dawn of everything",
               "author": "Graeber, David", "isbn": "9780374157357",
               "location": "Olin Library", "shelving_location": "Stacks",
               "call_number": "CB19 .G69 2021", "loan_policy": "Standard"}],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_sim(data: dict[str, Any], tmp: Path,
               z3950_port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    path = tmp / f"{data['agency']}.json"
    path.write_text(json.dumps(data))
    extra = ["--z3950-port", str(z3950_port)] if z3950_port else []
    for _ in range(3):
        port = _free_port()
        with (tmp / f"{data['agency']}.log").open("ab") as log:
            proc = subprocess.Popen(
                [RESHARE, "lms-sim", "--port", str(port), "--data", str(path), *extra],
                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            if proc.poll() is not None:
                break
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                time.sleep(0.05)
        proc.terminate()
        proc.wait(timeout=5)
    raise RuntimeError("LMS simulator did not start")


@dataclass(frozen=True)
class Sims:
    requester: str
    supplier: str
    supplier_lms: str
    supplier_catalogue: str


@pytest.fixture(params=["alma-sru", "koha-z3950"])
def sims(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sims]:
    lms, how = request.param.split("-")
    if how == "z3950" and shutil.which("zebrasrv") is None:
        pytest.skip("Debian package idzebra-2.0 not installed (.ci/run installs it)")
    z_port = _free_port() if how == "z3950" else None
    started: list[subprocess.Popen[bytes]] = []
    try:
        req_proc, req_url = _start_sim(REQUESTER_LMS, tmp_path)
        started.append(req_proc)
        sup_proc, sup_url = _start_sim(SUPPLIER_LMS, tmp_path, z_port)
        started.append(sup_proc)
        catalogue = f"127.0.0.1:{z_port}/Default" if z_port else f"{sup_url}/sru"
        yield Sims(req_url, sup_url, lms, catalogue)
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(timeout=10)


def _state(url: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{url}/sim/state", timeout=5).json()
    return state


def _configure(platform: Platform, tenant: TenantFixture, values: dict[str, str]) -> None:
    with platform.db.tenant(tenant.id) as s:
        for key, value in values.items():
            set_value(s, None, key, value)


def _ncip_settings(lms: str, url: str, agency: str, catalogue: str) -> dict[str, str]:
    switches = ("borrower_check", "check_out_item", "check_in_item", "accept_item")
    return {"host_lms_integration": lms, "ncip_server_address": f"{url}/ncip",
            "ncip_from_agency": agency, "z3950_server_address": catalogue,
            **dict.fromkeys(switches, "ncip")}


def test_loan_between_two_simulated_lmss(platform: Platform, tenant_a: TenantFixture,
                                         tenant_b: TenantFixture,
                                         sims: Sims) -> None:
    req_url, sup_url = sims.requester, sims.supplier
    _configure(platform, tenant_a, _ncip_settings("folio", req_url, "REQ", f"{req_url}/sru"))
    _configure(platform, tenant_b, {
        **_ncip_settings(sims.supplier_lms, sup_url, "SUP", sims.supplier_catalogue),
        "default_institutional_patron_id": "INST-REQ"})
    requester = lms_for_tenant(platform, tenant_a.id)
    supplier = lms_for_tenant(platform, tenant_b.id)
    catalogue = availability_for_tenant(platform, tenant_b.id)
    hrid = "REQ-0001"

    # 1. requester validates its patron with LookupUser
    alice = requester.lookup_patron("p-alice")
    assert alice.ok and alice.name == "Alice Reader" and not alice.manual
    carol = requester.lookup_patron("p-carol")
    assert not carol.ok and "blocked" in carol.reason

    # 2. supplier's auto-responder: is a copy available, and where?
    wanted = BibQuery(title="The dawn of everything", isbn="9780374157357")
    found = catalogue.find_copy(wanted)
    assert found.available and found.copy is not None
    assert (found.copy.location, found.copy.call_number) == ("Olin Library", "CB19 .G69 2021")
    # Koha's 952 rule gives no item id (as in ReShare); staff scan the barcode when filling
    barcode = found.copy.item_id or "B-1001"

    # 3. supplier ships: CheckOutItem to the requesting institution's proxy patron
    with platform.db.tenant(tenant_b.id) as s:
        proxy = institutional_patron_id(s, f"ISIL:{tenant_a.code}")
    assert proxy == "INST-REQ"
    out = supplier.check_out_item(request_id=hrid, item_barcode=barcode,
                                  institutional_patron_id=proxy)
    assert out.ok and out.due_date is not None
    assert [(x["barcode"], x["patron_id"], x["request_id"]) for x in _state(sup_url)["loans"]] \
        == [("B-1001", "INST-REQ", hrid)]
    gone = catalogue.find_copy(wanted)
    assert not gone.available and "no copy available" in gone.reason

    # 4. requester receives: AcceptItem creates the temporary item with a hold for the patron
    accepted = requester.accept_item(ItemToAccept(
        request_id=hrid, item_barcode=hrid, title="The dawn of everything",
        author="Graeber, David", isbn="9780374157357", call_number="CB19 .G69 2021",
        pickup_location="Main Desk", patron_id="p-alice"))
    assert accepted.ok, accepted.reason
    req_state = _state(req_url)
    assert [(i["barcode"], i["temporary"], i["location"]) for i in req_state["items"]] == [
        (hrid, True, "Main Desk")]
    assert [(h["request_id"], h["patron_id"], h["barcode"]) for h in req_state["holds"]] == [
        (hrid, "p-alice", hrid)]

    # the requester's circulation desk lends the temporary item to the patron (its own LMS)
    desk = NcipClient(f"{req_url}/ncip", Header("REQ", "REQ"))
    assert desk.check_out_item(user_id="p-alice", item_id=hrid).ok
    assert [x["patron_id"] for x in _state(req_url)["loans"]] == ["p-alice"]

    # 5. patron returns it: CheckInItem, then DeleteItem of the temporary item
    assert requester.check_in_item(request_id=hrid, item_barcode=hrid).ok
    assert requester.delete_item(item_barcode=hrid).ok
    req_state = _state(req_url)
    assert req_state["loans"] == [] and req_state["items"] == [] and req_state["holds"] == []

    # 6. supplier gets it back: CheckInItem; a second check-in counts as already checked in
    back = supplier.check_in_item(request_id=hrid, item_barcode="B-1001")
    assert back.ok and not back.reason
    assert _state(sup_url)["loans"] == []
    again = supplier.check_in_item(request_id=hrid, item_barcode="B-1001")
    assert again.ok and "already checked in" in again.reason
    assert catalogue.find_copy(wanted).available
