"""A scenario-driven ISO 18626 peer for tests and demos (``reshare peer-mock``).

As a **supplier** it answers each ``request`` according to a scenario named in the request,
then plays that scenario's supplying-agency messages to ``peer_url``. The scenario comes from
``MOCK:<scenario>`` (or ``MOCK:<symbol>:<scenario>``) in serviceInfo/note, else from
bibliographicInfo/supplierUniqueRecordId; the default is ``unfilled``:

=======================  ===================================================================
will-supply-then-loaned  WillSupply (RequestResponse), then Loaned (StatusChange)
will-supply              WillSupply only
loaned                   Loaned straight away
unfilled                 Unfilled, reasonUnfilled NotHeld
conditional              ExpectToSupply with loanCondition LibraryUseOnly and ReShare's tag
copy-completed           CopyCompleted
error                    ERROR confirmation (BadlyFormedMessage); nothing follows
slow                     confirms only after ``slow_seconds``, then plays will-supply-then-loaned
down                     HTTP 503 to every post for this request id
=======================  ===================================================================

RAMs: Cancel → CancelResponse Y + Cancelled; ShippedReturn → LoanCompleted; Renew →
RenewResponse N; others are confirmed only. As a **requester** it answers SAMs: Loaned →
Received then ShippedReturn; a loan condition → ``#ReShareLoanConditionAgreeResponse#``.
Like our endpoint it applies a repeated message once and answers ``#lastSeq`` probes.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from reshare.iso18626 import codec, conventions
from reshare.iso18626 import model as m
from reshare.iso18626.receiving import fingerprint

SCENARIOS = ("will-supply-then-loaned", "will-supply", "loaned", "unfilled", "conditional",
             "copy-completed", "error", "slow", "down")
_SCENARIO = re.compile(r"MOCK:(?:[^:\s#]+:)*([a-z-]+)", re.IGNORECASE)
S, R = m.Status, m.ReasonForMessage
PLAYS: dict[str, list[tuple[m.Status, m.ReasonForMessage]]] = {
    "will-supply-then-loaned": [(S.WILL_SUPPLY, R.REQUEST_RESPONSE), (S.LOANED, R.STATUS_CHANGE)],
    "slow": [(S.WILL_SUPPLY, R.REQUEST_RESPONSE), (S.LOANED, R.STATUS_CHANGE)],
    "will-supply": [(S.WILL_SUPPLY, R.REQUEST_RESPONSE)],
    "loaned": [(S.LOANED, R.REQUEST_RESPONSE)],
    "unfilled": [(S.UNFILLED, R.REQUEST_RESPONSE)],
    "conditional": [(S.EXPECT_TO_SUPPLY, R.REQUEST_RESPONSE)],
    "copy-completed": [(S.COPY_COMPLETED, R.REQUEST_RESPONSE)],
}


def scenario_of(request: m.Request) -> str:
    note = request.service_info.note if request.service_info else None
    for text in (note, request.bibliographic_info.supplier_unique_record_id):
        found = _SCENARIO.search(text or "") if text and "MOCK:" in text.upper() else None
        if found and found.group(1).lower() in SCENARIOS:
            return found.group(1).lower()
        if text and text.lower() in SCENARIOS:
            return text.lower()
    return "unfilled"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class MockPeer:
    role: str = "supplier"
    peer_url: str | None = None
    step_delay: float = 0.2
    slow_seconds: float = 5.0
    received: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    _answers: dict[str, bytes] = field(default_factory=dict)
    _seq_in: dict[str, int] = field(default_factory=dict)
    _seq_out: dict[str, int] = field(default_factory=dict)
    _down: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ receiving
    def receive(self, data: bytes) -> tuple[int, bytes]:
        try:
            message = codec.parse(data)
        except codec.Iso18626ParseError as exc:
            conf = m.confirm(None, element=exc.element, header=exc.header,
                             error=m.ErrorData(exc.error_type, exc.error_value))
            return (200 if exc.element else 400), codec.serialize(conf)
        if not isinstance(message, m.InitiatingMessage):
            return 400, b"confirmations are not posted"
        request_id = message.header.requesting_agency_request_id
        if request_id in self._down:
            return 503, b"mock peer is down for this request"
        note = _note(message)
        probed = conventions.probed_seq(note)
        if probed is not None and not isinstance(message, m.Request):
            ok, error = conventions.probe_answer(probed, self._seq_in.get(request_id))
            return 200, codec.serialize(m.confirm(message, error=error, ok=ok))
        seq = conventions.split_seq(note)[1]
        key = fingerprint(message, seq)
        with self._lock:
            if key in self._answers:
                return 200, self._answers[key]
        status, answer, follow = self._apply(message)
        with self._lock:
            if status == 200:
                self._answers[key] = answer
                if seq is not None:
                    self._seq_in[request_id] = seq
                self.received.append({"element": message.ELEMENT, "request_id": request_id,
                                      "note": note, "summary": _summary(message)})
        if follow is not None:
            threading.Thread(target=self._play, args=follow, daemon=True).start()
        return status, answer

    def _apply(self, message: m.InitiatingMessage) -> tuple[int, bytes, Any]:
        if isinstance(message, m.Request):
            scenario = scenario_of(message)
            if scenario == "down":
                self._down.add(message.header.requesting_agency_request_id)
                return 503, b"mock peer is down", None
            if scenario == "error":
                error = m.ErrorData(m.ErrorType.BADLY_FORMED_MESSAGE, "mock scenario: error")
                return 200, codec.serialize(m.confirm(message, error=error)), None
            if scenario == "slow":
                time.sleep(self.slow_seconds)
            steps = [self._sam(message.header, status, reason, scenario)
                     for status, reason in PLAYS[scenario]]
            return 200, codec.serialize(m.confirm(message)), (steps,)
        if isinstance(message, m.RequestingAgencyMessage):
            return 200, codec.serialize(m.confirm(message)), self._answer_ram(message)
        return 200, codec.serialize(m.confirm(message)), self._answer_sam(message)

    def _answer_ram(self, ram: m.RequestingAgencyMessage) -> Any:
        header = ram.header
        if ram.action == m.Action.CANCEL:
            sam = self._sam(header, S.CANCELLED, R.CANCEL_RESPONSE, "cancel")
            sam.message_info.answer_yes_no = m.YesNo.Y
            return ([sam],)
        if ram.action == m.Action.SHIPPED_RETURN:
            return ([self._sam(header, S.LOAN_COMPLETED, R.STATUS_CHANGE, "")],)
        if ram.action == m.Action.RENEW:
            sam = self._sam(header, S.LOANED, R.RENEW_RESPONSE, "")
            sam.message_info.answer_yes_no = m.YesNo.N
            return ([sam],)
        return None

    def _answer_sam(self, sam: m.SupplyingAgencyMessage) -> Any:
        if self.role != "requester":
            return None
        header = sam.header
        if sam.status_info.status == S.LOANED:
            return ([self._ram(header, m.Action.RECEIVED),
                     self._ram(header, m.Action.SHIPPED_RETURN)],)
        if sam.delivery_info is not None and sam.delivery_info.loan_condition is not None:
            return ([self._ram(header, m.Action.NOTIFICATION, conventions.LOAN_CONDITION_AGREE)],)
        return None

    # ------------------------------------------------------------------ sending
    def _next_seq(self, request_id: str) -> int:
        with self._lock:
            seq = self._seq_out.get(request_id, -1) + 1
            self._seq_out[request_id] = seq
            return seq

    def _sam(self, header: m.Header, status: m.Status, reason: m.ReasonForMessage,
             scenario: str) -> m.SupplyingAgencyMessage:
        now = _now()
        out_header = m.Header(header.supplying_agency_id, header.requesting_agency_id, now,
                              header.requesting_agency_request_id,
                              supplying_agency_request_id=f"mock-{header.requesting_agency_request_id}")
        note = None
        delivery = None
        if status in (S.LOANED, S.COPY_COMPLETED):
            delivery = m.DeliveryInfo(date_sent=now, item_id=conventions.encode_item_ids(
                [conventions.Volume("v.1", "MOCK 1", "MOCK-BARCODE-1")]),
                sent_via=m.SchemeValue("Mail"))
        if scenario == "conditional":
            note = conventions.with_tag(conventions.ADD_LOAN_CONDITION, "Library use only")
            delivery = m.DeliveryInfo(date_sent=now, loan_condition=m.SchemeValue(
                m.LoanCondition.LIBRARY_USE_ONLY))
        info = m.MessageInfo(reason_for_message=reason,
                             note=conventions.with_seq(note, self._next_seq(
                                 header.requesting_agency_request_id)),
                             reason_unfilled=m.SchemeValue(m.ReasonUnfilled.NOT_HELD)
                             if status == S.UNFILLED else None)
        due = now + dt.timedelta(days=28) if status == S.LOANED else None
        return m.SupplyingAgencyMessage(out_header, info, m.StatusInfo(status, now, due_date=due),
                                        delivery)

    def _ram(self, header: m.Header, action: m.Action, note: str | None = None
             ) -> m.RequestingAgencyMessage:
        out = m.Header(header.supplying_agency_id, header.requesting_agency_id, _now(),
                       header.requesting_agency_request_id,
                       supplying_agency_request_id=header.supplying_agency_request_id)
        seq = self._next_seq(header.requesting_agency_request_id)
        return m.RequestingAgencyMessage(out, action, conventions.with_seq(note, seq))

    def _play(self, messages: list[m.InitiatingMessage]) -> None:
        for message in messages:
            time.sleep(self.step_delay)
            self.post(message)

    def post(self, message: m.InitiatingMessage) -> int | None:
        status: int | None = None
        if self.peer_url:
            try:
                status = httpx.post(self.peer_url, content=codec.serialize(message),
                                    headers={"Content-Type": "application/xml"},
                                    timeout=30).status_code
            except httpx.HTTPError:
                status = None
        with self._lock:
            self.sent.append({"element": message.ELEMENT, "summary": _summary(message),
                              "request_id": message.header.requesting_agency_request_id,
                              "http_status": status})
        return status


def _note(message: m.InitiatingMessage) -> str | None:
    if isinstance(message, m.RequestingAgencyMessage):
        return message.note
    if isinstance(message, m.SupplyingAgencyMessage):
        return message.message_info.note
    return message.service_info.note if message.service_info else None


def _summary(message: m.InitiatingMessage) -> str:
    if isinstance(message, m.SupplyingAgencyMessage):
        return f"{message.message_info.reason_for_message}/{message.status_info.status}"
    if isinstance(message, m.RequestingAgencyMessage):
        return str(message.action)
    return "request"


def create_mock_app(peer: MockPeer) -> FastAPI:
    app = FastAPI(title="ReShare ISO 18626 mock peer")

    async def endpoint(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        status, body = await run_in_threadpool(peer.receive, await request.body())
        return Response(body, status_code=status, media_type="application/xml")

    for path in ("/iso18626", "/rs/externalApi/iso18626"):
        app.add_api_route(path, endpoint, methods=["POST"])

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "role": peer.role}

    @app.get("/mock/messages")
    def messages() -> dict[str, Any]:
        with peer._lock:
            return {"received": list(peer.received), "sent": list(peer.sent)}

    return app
