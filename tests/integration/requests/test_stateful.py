"""Hypothesis drives random valid actions on both sides, and delivers messages one at a time in
between (so messages cross). Whenever the queue is drained, both sides must agree and no request
may be stuck in a transient state; no message may have been refused."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings, target
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select

from reshare.config import AppSettings
from reshare.db import Base, Database
from reshare.errors import ReshareError
from reshare.platform import build_platform
from reshare.requests import courier, service
from reshare.requests.model import NewRequest
from reshare.requests.store import LocalMessage, PatronRequest, RequestMessage
from tests.integration.requests.helpers import configure, make_pair
from tests.support.factories import make_tenant

RARE = {"message", "requesterCancel", "supplierCannotSupply", "requesterRejectConditions",
        "supplierRecall", "requesterRenew", "supplierAddCondition"}
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
SKIP = {"manualClose", "edit", "localNote", "rerequest"}
TRANSIENT = {"REQ_IDLE", "REQ_VALIDATED", "REQ_SUPPLIER_IDENTIFIED", "REQ_UNFILLED",
             "REQ_CANCELLED_WITH_SUPPLIER"}
SHIPPED_SUP = {"RES_ITEM_SHIPPED", "RES_OVERDUE", "RES_RENEW_REQUESTED"}
AGREE: dict[str, set[str]] = {
    "REQ_REQUEST_SENT_TO_SUPPLIER": {"RES_IDLE"},
    "REQ_EXPECTS_TO_SUPPLY": {"RES_NEW_AWAIT_PULL_SLIP", "RES_AWAIT_PICKING", "RES_AWAIT_SHIP",
                              "RES_COPY_AWAIT_PICKING"},
    "REQ_CONDITIONAL_ANSWER_RECEIVED": {"RES_PENDING_CONDITIONAL_ANSWER",
                                        "RES_NEW_AWAIT_PULL_SLIP", "RES_AWAIT_PICKING",
                                        "RES_AWAIT_SHIP", "RES_COPY_AWAIT_PICKING"},
    "REQ_CANCEL_PENDING": {"RES_CANCEL_REQUEST_RECEIVED"},
    "REQ_SHIPPED": SHIPPED_SUP, "REQ_CHECKED_IN": SHIPPED_SUP, "REQ_OVERDUE": SHIPPED_SUP,
    "REQ_RECALLED": SHIPPED_SUP, "REQ_AWAITING_RETURN_SHIPPING": SHIPPED_SUP,
    "REQ_RENEW_PENDING": {"RES_RENEW_REQUESTED"},
    "REQ_SHIPPED_TO_SUPPLIER": {"RES_ITEM_RETURNED"},
    "REQ_REQUEST_COMPLETE": {"RES_COMPLETE"},
    "REQ_DOCUMENT_DELIVERED": {"RES_DOCUMENT_DELIVERED"},
    "REQ_CANCELLED": {"RES_CANCELLED", "RES_UNFILLED"},
    "REQ_END_OF_ROTA": {"RES_UNFILLED", "RES_CANCELLED"},
}


def _params(action: str, data: st.DataObject) -> dict[str, Any]:
    yes_no = data.draw(st.sampled_from(["yes", "no"]))
    return {
        "supplierCheckInToReshare": {"itemBarcodes": [{"itemId": "I1"}]},
        "supplierCheckInToReshareAndSupplierMarkShipped": {"itemBarcodes": [{"itemId": "I1"}]},
        "supplierConditionalSupply": {"loanCondition": "LibraryUseOnly", "holdingState": yes_no},
        "supplierAddCondition": {"loanCondition": "NoReproduction", "holdingState": yes_no},
        "supplierRespondToCancel": {"cancelResponse": yes_no},
        "supplierRespondToRenew": {"renewResponse": yes_no},
        "supplierAddURLToDocument": {"url": "https://example.org/d.pdf"},
        "supplierFillDigitalLoan": {"url": "https://example.org/d.pdf"},
        "message": {"note": "hello"},
    }.get(action, {})


class TwoLibraries(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(self.tmp.name) / 'db.sqlite'}"
        db = Database(url)
        Base.metadata.create_all(db.engine)
        self.platform = build_platform(AppSettings(
            database_url=url, var_dir=self.tmp.name, secret_key="s", admin_token="t",
            inprocess_worker=False), db=db)
        self.a = make_tenant(self.platform, "REQA")
        self.b = make_tenant(self.platform, "SUPB")
        make_pair(self.platform, self.a, [self.b])
        self.seen: set[str] = set()
        self.created = 0

    def teardown(self) -> None:
        if currently_in_test_context():
            target(float(len(self.seen)), label="supplier states reached")
        self.platform.close()
        self.tmp.cleanup()

    @initialize(auto_cancel=st.booleans(), auto_supply=st.booleans())
    def setup(self, auto_cancel: bool, auto_supply: bool) -> None:
        configure(self.platform, self.b, auto_responder_cancel="on" if auto_cancel else "off",
                  auto_responder_status="on:_will_supply_only" if auto_supply else "off")

    def _requests(self, tenant_id: int) -> list[PatronRequest]:
        with self.platform.db.tenant(tenant_id) as s:
            return list(s.scalars(select(PatronRequest).order_by(PatronRequest.id)))

    @precondition(lambda self: self.created < 2)
    @rule(kind=st.sampled_from(["Loan", "Loan", "Copy"]))
    def create(self, kind: str) -> None:
        self.created += 1
        if True:
            service.create_request(self.platform, self.a.id,
                                   NewRequest(title="T", patron_id="P", service_type=kind),
                                   actor="hyp")

    @rule(side=st.sampled_from(["a", "b"]), data=st.data())
    def act(self, side: str, data: st.DataObject) -> None:
        tenant = self.a if side == "a" else self.b
        reqs = self._requests(tenant.id)
        if not reqs:
            return
        req = data.draw(st.sampled_from(reqs))
        view = service.get_request(self.platform, tenant.id, req.id)
        # progress is likelier than giving up, so long lifecycles get explored too
        choices = [a for a in view.valid_actions if a not in SKIP for _ in
                   range(1 if a in RARE else 4)]
        if not choices:
            return
        action = data.draw(st.sampled_from(choices))
        # refused actions (e.g. a message with no partner yet) change nothing
        with contextlib.suppress(ReshareError):
            service.perform_action(self.platform, tenant.id, req.id, action,
                                   _params(action, data), actor="hyp")

    @rule()
    def deliver_one(self) -> None:
        courier.deliver_local(self.platform, limit=1)

    @rule(side=st.sampled_from(["a", "b"]), data=st.data())
    def progress(self, side: str, data: st.DataObject) -> None:
        """The first (primary) action of a request: walks the happy path between detours."""
        tenant = self.a if side == "a" else self.b
        reqs = self._requests(tenant.id)
        if not reqs:
            return
        req = data.draw(st.sampled_from(reqs))
        view = service.get_request(self.platform, tenant.id, req.id)
        forward = [a for a in view.valid_actions if a not in SKIP and a not in RARE]
        if forward:
            with contextlib.suppress(ReshareError):
                service.perform_action(self.platform, tenant.id, req.id, forward[0],
                                       _params(forward[0], data), actor="hyp")

    @invariant()
    def agree_when_quiet(self) -> None:
        with self.platform.db.platform() as s:
            pending = s.scalars(select(LocalMessage).where(LocalMessage.delivered.is_(False))
                                ).first()
            failed = s.scalars(select(RequestMessage).where(RequestMessage.delivery == "ERROR")
                               ).all()
            assert not failed, [(m.kind, m.status, m.note) for m in failed]
        self.seen |= {r.state for r in self._requests(self.b.id)}
        if pending is not None:
            return
        sup = {r.peer_request_id: r for r in self._requests(self.b.id)}
        for r in self._requests(self.a.id):
            assert r.state not in TRANSIENT, (r.hrid, r.state)
            s = sup.get(f"{r.hrid}~{r.rota_position}")
            if s is None or r.state not in AGREE:
                continue
            assert s.state in AGREE[r.state], (r.hrid, r.state, s.state)


TwoLibraries.TestCase.settings = settings(
    max_examples=int(os.environ.get("REQUESTS_HYPOTHESIS_EXAMPLES", "15")), stateful_step_count=50, deadline=None, phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_two_libraries_agree = TwoLibraries.TestCase
