"""`reshare demo traffic`: drive N loans between the demo libraries through to completion.

Each request is placed by a patron of one library for a record other libraries hold; then the
staff of both sides are played: the lender fills and ships (NCIP CheckOutItem on its simulator),
the borrower receives (AcceptItem), the patron returns, the item goes back and the lender checks
it in. Actions are chosen from the ones the state model says are valid now, so the driver
follows the real flow instead of a script of its own. Messages travel as ISO 18626 over HTTP.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from reshare.demo.network import LIBRARIES, DemoLibrary
from reshare.iso18626 import outbox
from reshare.platform import Platform
from reshare.requests import service as requests
from reshare.requests.model import NewRequest
from reshare.requests.store import PatronRequest
from reshare.sharedindex.demo import barcode, demo_records, holders, local_id
from reshare.tenancy.store import Tenant

SUPPLIER_STEPS = ("respondYes", "supplierPrintPullSlip", "supplierCheckInToReshare",
                  "supplierMarkShipped", "supplierCheckOutOfReshare")
REQUESTER_STEPS = ("requesterAgreeConditions", "requesterReceived", "patronReturnedItem",
                   "shippedReturn")
ACTOR = "demo-traffic"


@dataclass
class Flight:
    borrower: DemoLibrary
    request_id: int
    hrid: str = ""
    state: str = ""
    done: bool = False
    steps: int = 0
    errors: list[str] = field(default_factory=list)


def _tenant_ids(platform: Platform) -> dict[str, int]:
    with platform.db.unscoped() as session:
        return {t.code: t.id for t in session.scalars(select(Tenant))}


def _wanted(count: int) -> list[tuple[DemoLibrary, dict[str, str]]]:
    """``count`` (borrower, record) pairs: each record held, lendable, by another library."""
    records = demo_records()
    pairs: list[tuple[DemoLibrary, dict[str, str]]] = []
    position = 1
    while len(pairs) < count:
        position = (position + 7) % len(records)
        if position % 10 == 0:  # one copy in ten is not for loan
            continue
        owners = holders(position, len(LIBRARIES))
        borrowers = [lib for i, lib in enumerate(LIBRARIES) if i not in owners]
        if not borrowers:
            continue
        rec = records[position].record
        title = rec.get_fields("245")[0].get_subfields("a")[0].strip(" /:;,.") \
            if rec.get_fields("245") else ""
        author = rec.get_fields("100")[0].get_subfields("a")[0].strip(" ,.") \
            if rec.get_fields("100") else ""
        local_ids = ",".join(local_id(LIBRARIES[i].code, rec, position) for i in owners)
        pairs.append((borrowers[len(pairs) % len(borrowers)],
                      {"title": title, "author": author, "position": str(position),
                       "local_ids": local_ids}))
    return pairs


@functools.cache
def _barcodes() -> dict[str, str]:
    """Every library's local record id -> its copy's barcode, as the simulators stock them."""
    return {local_id(lib.code, read.record, position): barcode(lib.code, position)
            for lib in LIBRARIES for position, read in enumerate(demo_records())}


def _barcode_for(req: PatronRequest) -> str:
    if req.selected_item_barcode:
        return req.selected_item_barcode
    return _barcodes().get(req.supplier_unique_record_id or req.system_instance_id, "")


def _params(action: str, req: PatronRequest) -> dict[str, object]:
    if action == "supplierCheckInToReshare":
        return {"itemBarcodes": [{"itemId": _barcode_for(req)}]}
    return {}


def _step(platform: Platform, tenant_id: int, req: PatronRequest, steps: tuple[str, ...],
          valid: list[str]) -> str | None:
    for action in steps:
        if action in valid:
            requests.perform_action(platform, tenant_id, req.id, action, _params(action, req),
                                    actor=ACTOR)
            return action
    return None


def _row(platform: Platform, tenant_id: int, hrid: str, requester: bool) -> PatronRequest | None:
    with platform.db.reading(tenant_id) as session:
        return session.scalars(select(PatronRequest).where(
            PatronRequest.hrid == hrid, PatronRequest.is_requester == requester)
            .order_by(PatronRequest.id.desc())).first()


def advance(platform: Platform, tenants: dict[str, int], flight: Flight) -> None:
    """One move of whichever side can act on this request now."""
    borrower_id = tenants[flight.borrower.code]
    view = requests.get_request(platform, borrower_id, flight.request_id)
    flight.hrid, flight.state = view.hrid, view.state
    if view.terminal:
        flight.done = True
        return
    mine = _row(platform, borrower_id, view.hrid, True)
    if mine is not None and _step(platform, borrower_id, mine, REQUESTER_STEPS,
                                  view.valid_actions):
        flight.steps += 1
        return
    lender = (mine.supplying_symbol if mine else "").split(":")[-1]
    if lender in tenants:
        theirs = _row(platform, tenants[lender], view.hrid, False)
        if theirs is not None:
            their_view = requests.get_request(platform, tenants[lender], theirs.id)
            if _step(platform, tenants[lender], theirs, SUPPLIER_STEPS, their_view.valid_actions):
                flight.steps += 1


def cluster_id(platform: Platform, tenant_id: int, title: str, author: str) -> str:
    """The shared-index record id a discovery layer would send as ``rft_id``."""
    from reshare.requests.ports import BibQuery
    from reshare.sharedindex.routing import routing_for_tenant

    found = routing_for_tenant(platform, tenant_id).lenders_for(
        BibQuery(title=title, author=author))
    return found.holdings[0].cluster_id if found.holdings else ""


def record_cluster(platform: Platform, local_ids: list[str]) -> str:
    """The shared-index cluster holding one of the lenders' records (what discovery shows)."""
    from reshare.sharedindex.store import BibRecord, Cluster

    with platform.db.reading() as session:
        return session.scalar(select(Cluster.uuid).join(
            BibRecord, BibRecord.cluster_id == Cluster.id).where(
            BibRecord.local_id.in_(local_ids)).limit(1)) or ""


def place(platform: Platform, tenants: dict[str, int], count: int) -> list[Flight]:
    flights = []
    for lib, rec in _wanted(count):
        tenant_id = tenants[lib.code]
        cluster = (record_cluster(platform, rec["local_ids"].split(","))
                   or cluster_id(platform, tenant_id, rec["title"], rec["author"]))
        view = requests.create_request(platform, tenant_id, NewRequest(
            title=rec["title"], author=rec["author"], patron_id="p-alice",
            system_instance_id=cluster,
            pickup_location=lib.branches[0][1], service_type="Loan"), actor=ACTOR)
        flights.append(Flight(lib, view.id, view.hrid, view.state))
    return flights


def run(platform: Platform, count: int, *, timeout: float = 600.0,
        progress: object | None = None) -> dict[str, Any]:
    tenants = _tenant_ids(platform)
    started = time.perf_counter()
    flights = place(platform, tenants, count)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(f.done for f in flights):
        outbox.drain(platform, limit=200)
        time.sleep(0.05)
        for flight in flights:
            if not flight.done:
                try:
                    advance(platform, tenants, flight)
                except Exception as exc:  # report, keep driving the others
                    flight.errors.append(f"{type(exc).__name__}: {exc}")
        if progress is not None:
            progress(sum(f.done for f in flights))  # type: ignore[operator]
    took = time.perf_counter() - started
    states = Counter(f.state for f in flights)
    return {"requests": count, "completed": states.get("REQ_REQUEST_COMPLETE", 0),
            "stuck": [f"{f.hrid}: {f.state} {f.errors[-1:] or ''}" for f in flights
                      if not f.done], "states": dict(states), "seconds": round(took, 1),
            "errors": sum(len(f.errors) for f in flights)}


SEED_STEPS = (0, 1, 3, 4, 6, 99)  # awaiting pull slip ... shipped, received, returned, complete


def seed(platform: Platform, *, timeout: float = 120.0) -> list[str]:
    """A handful of requests left in various states, so a newcomer's queues are not empty."""
    tenants = _tenant_ids(platform)
    with platform.db.reading() as session:
        if session.scalar(select(PatronRequest.id).limit(1)) is not None:
            return []
    flights = place(platform, tenants, len(SEED_STEPS))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outbox.drain(platform, limit=100)
        pending = [f for f, target in zip(flights, SEED_STEPS, strict=True)
                   if not f.done and f.steps < target]
        if not pending:
            break
        for flight in pending:
            try:
                advance(platform, tenants, flight)
            except Exception as exc:  # keep seeding the others
                flight.errors.append(str(exc))
        time.sleep(0.1)
    outbox.drain(platform, limit=100)
    return [f"{f.hrid}: {requests.get_request(platform, tenants[f.borrower.code], f.request_id).state}"
            for f in flights]
