"""The outbox against a real peer on loopback HTTP with injected faults: in every case each
message is applied exactly once by the peer and none is lost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from reshare.db import utcnow
from reshare.iso18626 import codec, outbox
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import DeliveryOutcome, DeliveryResult, RecordingHandler
from reshare.iso18626.store import OutboxMessage
from reshare.iso18626.transport import HttpxTransport
from reshare.platform import Platform
from reshare.web.app import create_app
from tests.integration.iso18626.support import (
    Faults,
    applied,
    loopback,
    own_symbol,
    set_setting,
)
from tests.support.factories import TenantFixture
from tests.unit.iso18626 import builders

MIN = dt.timedelta(minutes=1)


class WatchingHandler(RecordingHandler):
    hears_confirmed = True  # these tests check every outcome, confirmed sends included

    def __init__(self) -> None:
        self.outcomes: list[tuple[int, DeliveryOutcome]] = []

    def on_delivery(self, platform, session, item, outcome):  # type: ignore[no-untyped-def]
        self.outcomes.append((item.id, outcome))


@dataclass
class Pair:
    platform: Platform
    alpha: TenantFixture
    beta: TenantFixture
    faults: Faults
    url: str
    handler: WatchingHandler

    def send(self, message: m.InitiatingMessage, request_ref: str = "ALPHA-1",
             url: str | None = "default") -> int:
        with self.platform.db.tenant(self.alpha.id) as session:
            return outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                                  peer_symbol="RESHARE:BETA", message=message,
                                  request_ref=request_ref,
                                  peer_url=self.url if url == "default" else url)

    def row(self, item_id: int) -> OutboxMessage:
        with self.platform.db.tenant(self.alpha.id) as session:
            row = session.get(OutboxMessage, item_id)
            assert row is not None
            return row

    def applied(self) -> int:
        return applied(self.platform, self.beta.id)


@pytest.fixture
def pair(platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture
         ) -> Iterator[Pair]:
    own_symbol(platform, tenant_a.id, "RESHARE:ALPHA")
    own_symbol(platform, tenant_b.id, "RESHARE:BETA")
    set_setting(platform, tenant_a.id, "network_timeout_period", "1")
    # the fault plan applies to requests in the order they arrive: send one at a time
    platform.settings = dataclasses.replace(platform.settings, outbox_senders=1)
    handler = WatchingHandler()
    platform.extras["iso18626_handler"] = handler
    faults = Faults(create_app(platform=platform, run_jobs=False))
    with loopback(faults) as base:
        yield Pair(platform, tenant_a, tenant_b, faults, f"{base}/iso18626", handler)
    transport = platform.extras.get("iso18626_transport")
    if hasattr(transport, "close"):
        transport.close()


def test_delivered_and_reported(pair: Pair) -> None:
    item = pair.send(builders.ram(note="hi#seq:1#"))
    assert outbox.drain(pair.platform) == 1
    assert pair.row(item).status == "delivered"
    assert pair.applied() == 1
    [(item_id, outcome)] = pair.handler.outcomes
    assert item_id == item and outcome.result == DeliveryResult.CONFIRMED and outcome.ok
    assert outcome.confirmation is not None
    assert outbox.drain(pair.platform) == 0


def test_messages_of_one_request_go_in_order(pair: Pair) -> None:
    pair.faults.plan = ["down"]
    ids = [pair.send(builders.ram(m.Action.NOTIFICATION, note=f"n{i}#seq:{i}#"))
           for i in range(3)]
    other = pair.send(builders.ram(note="other#seq:1#", request_id="ALPHA-2~1"), "ALPHA-2")
    t = utcnow()
    outbox.drain(pair.platform, now=t)  # first fails; the others of ALPHA-1 must wait
    assert [pair.row(i).status for i in ids] == ["pending", "pending", "pending"]
    assert pair.row(other).status == "delivered"  # another request is not held up
    for _ in range(4):
        outbox.drain(pair.platform, now=t + 11 * MIN)
    assert [pair.row(i).status for i in ids] == ["delivered"] * 3
    notes = [codec.parse(b).note for b in pair.faults.bodies  # type: ignore[union-attr]
             if b"ALPHA-1~1" in b]
    assert notes == ["n0#seq:0#", "n0#seq:0#", "n1#seq:1#", "n2#seq:2#"]
    assert pair.applied() == 4


def test_peer_down_for_a_while_then_up(pair: Pair) -> None:
    pair.faults.plan = ["down", "down"]
    item = pair.send(builders.request(note="#seq:0#"))
    t = utcnow()
    outbox.drain(pair.platform, now=t)
    row = pair.row(item)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == t + 10 * MIN  # network_retry_period × ⌊(1+5)/6⌋
    assert outbox.drain(pair.platform, now=t + 5 * MIN) == 0  # not due yet
    outbox.drain(pair.platform, now=t + 11 * MIN)
    outbox.drain(pair.platform, now=t + 22 * MIN)
    assert pair.row(item).status == "delivered"
    assert pair.applied() == 1


def test_gives_up_after_maximum_attempts(pair: Pair) -> None:
    pair.faults.plan = ["down"] * 3
    item = pair.send(builders.request(note="#seq:0#"))
    t = utcnow()
    for i in range(4):
        outbox.drain(pair.platform, now=t + i * 11 * MIN)
    row = pair.row(item)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "gave up after 3" in (row.last_error or "")
    assert [o.result for _, o in pair.handler.outcomes] == [DeliveryResult.GAVE_UP]
    assert pair.faults.posts == 3 and pair.applied() == 0


def test_slow_peer_applied_after_timeout_is_probed_not_resent(pair: Pair) -> None:
    pair.faults.plan = ["slow-apply:1.6"]
    item = pair.send(builders.ram(m.Action.SHIPPED_RETURN, note="#seq:7#"))
    t = utcnow()
    outbox.drain(pair.platform, now=t)
    row = pair.row(item)
    assert (row.status, row.probe_next) == ("pending", True)
    import time
    time.sleep(1.0)  # let the slow peer finish applying
    outbox.drain(pair.platform, now=t + 11 * MIN)
    row = pair.row(item)
    assert row.status == "delivered" and row.last_error == "confirmed by #lastSeq probe"
    probe = codec.parse(pair.faults.bodies[-1])
    assert isinstance(probe, m.RequestingAgencyMessage)
    assert (probe.action, probe.note) == (m.Action.STATUS_REQUEST, "#lastSeq:7#")
    assert pair.applied() == 1


def test_slow_peer_that_did_not_apply_gets_the_message_again(pair: Pair) -> None:
    pair.faults.plan = ["slow-drop:1.5"]
    item = pair.send(builders.sam(m.Status.LOANED, m.ReasonForMessage.STATUS_CHANGE,
                                  note="#seq:2#", requester="RESHARE:BETA",
                                  supplier="RESHARE:ALPHA"))
    t = utcnow()
    outbox.drain(pair.platform, now=t)
    outbox.drain(pair.platform, now=t + 11 * MIN)  # probe: NoPreviousMessage → resend now
    probe = codec.parse(pair.faults.bodies[1])
    assert isinstance(probe, m.SupplyingAgencyMessage)
    assert probe.message_info.note == "#lastSeq:2#"
    outbox.drain(pair.platform, now=t + 11 * MIN)
    assert pair.row(item).status == "delivered"
    assert pair.applied() == 1


@pytest.mark.parametrize("fault", ["garbage", "apply-garbage"])
def test_garbage_answer_or_lost_confirmation(pair: Pair, fault: str) -> None:
    pair.faults.plan = [fault]
    item = pair.send(builders.ram(m.Action.RECEIVED, note="#seq:3#"))
    t = utcnow()
    outbox.drain(pair.platform, now=t)
    assert "NoConfirmationElementInResponse" in (pair.row(item).last_error or "")
    outbox.drain(pair.platform, now=t + 11 * MIN)
    assert pair.row(item).status == "delivered"
    assert pair.faults.posts == 2 and pair.applied() == 1


@pytest.mark.parametrize("http_status", [201, 400])
def test_confirmations_accepted_on_201_and_400(pair: Pair, http_status: int) -> None:
    pair.faults.plan = [f"status:{http_status}"]
    item = pair.send(builders.ram(note="#seq:1#"))
    outbox.drain(pair.platform)
    assert pair.row(item).status == "delivered"


def test_error_confirmation_is_not_delivered(pair: Pair) -> None:
    item = pair.send(builders.ram(m.Action.CANCEL, supplier="RESHARE:NOBODY"))
    outbox.drain(pair.platform)
    row = pair.row(item)
    assert row.status == "rejected"
    assert row.error_type == "UnrecognisedDataValue" and "RESHARE:NOBODY" in (row.error_value
                                                                             or "")
    [(_, outcome)] = pair.handler.outcomes
    assert outcome.result == DeliveryResult.ERROR_CONFIRMATION and not outcome.ok
    assert outbox.drain(pair.platform, now=utcnow() + 60 * MIN) == 0  # not retried


def test_error_visible_through_api(pair: Pair, client: Any) -> None:
    pair.send(builders.ram(m.Action.CANCEL, supplier="RESHARE:NOBODY"))
    outbox.drain(pair.platform)
    listing = client.get("/iso18626/outbox", headers=pair.alpha.headers("staff"),
                         params={"status": "rejected"}).json()
    assert [i["error_type"] for i in listing] == ["UnrecognisedDataValue"]
    assert client.get("/iso18626/outbox", headers=pair.alpha.headers("staff"),
                      params={"status": "bogus"}).status_code == 422


class KilledAfterSend(BaseException):
    """Stands for the worker process dying between the POST and the commit."""


def test_worker_killed_between_send_and_commit(pair: Pair) -> None:
    real = HttpxTransport()

    class DyingTransport:
        def post(self, url: str, body: bytes, headers: dict[str, str],
                 timeout: float) -> tuple[int, bytes]:
            real.post(url, body, headers, timeout)
            raise KilledAfterSend()

    pair.platform.extras["iso18626_transport"] = DyingTransport()
    item = pair.send(builders.ram(m.Action.RECEIVED, note="#seq:5#"))
    with pytest.raises(KilledAfterSend):
        outbox.drain(pair.platform)
    assert pair.row(item).status == "sending" and pair.applied() == 1
    pair.platform.extras["iso18626_transport"] = real
    assert outbox.drain(pair.platform) == 0  # the lease still holds
    outbox.drain(pair.platform, now=utcnow() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1))
    assert pair.row(item).status == "delivered"
    assert pair.faults.posts == 2 and pair.applied() == 1
    real.close()


def test_result_of_a_stale_claim_is_ignored(pair: Pair) -> None:
    real = HttpxTransport()
    later = utcnow() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)

    class TooSlow:
        def post(self, url: str, body: bytes, headers: dict[str, str],
                 timeout: float) -> tuple[int, bytes]:
            # so slow that the lease ran out: another worker claims the message and sends it
            pair.platform.extras["iso18626_transport"] = real
            assert outbox.drain(pair.platform, now=later) == 1
            return 503, b"Service Unavailable"  # then this sender's own (late) result

    pair.platform.extras["iso18626_transport"] = TooSlow()
    item = pair.send(builders.ram(m.Action.RECEIVED, note="#seq:5#"))
    assert outbox.drain(pair.platform) == 1
    row = pair.row(item)
    assert (row.status, row.attempts, row.claim_token) == ("delivered", 0, None)
    assert pair.applied() == 1
    real.close()


def test_no_address_fails_clearly(pair: Pair) -> None:
    item = pair.send(builders.ram(), url=None)
    outbox.drain(pair.platform)
    row = pair.row(item)
    assert row.status == "failed" and "NoAddress" in (row.last_error or "")


def test_gateway_address_used_without_explicit_url(pair: Pair) -> None:
    set_setting(pair.platform, pair.alpha.id, "iso18626_gateway_address", pair.url)
    item = pair.send(builders.ram(note="#seq:1#"), url=None)
    outbox.drain(pair.platform)
    assert pair.row(item).status == "delivered" and pair.applied() == 1


def test_outgoing_messages_logged(pair: Pair, client: Any) -> None:
    set_setting(pair.platform, pair.alpha.id, "loggingISO18626", "yes")
    pair.faults.plan = ["down"]
    pair.send(builders.ram(note="#seq:1#"))
    t = utcnow()
    outbox.drain(pair.platform, now=t)
    outbox.drain(pair.platform, now=t + 11 * MIN)
    entries = client.get("/iso18626/log", headers=pair.alpha.headers("staff"),
                         params={"direction": "out"}).json()["entries"]
    assert [(e["http_status"], e["message_status"]) for e in entries] == [
        (200, "OK"), (503, "FAILURE")]


def test_invalid_message_refused_at_enqueue(pair: Pair) -> None:
    bad = builders.request()
    bad.requested_delivery_info = [m.RequestedDeliveryInfo(address=m.Address())]
    with pytest.raises(codec.Iso18626ValidationError):
        pair.send(bad)
    with pair.platform.db.tenant(pair.alpha.id) as session:
        assert outbox.items_for(session) == []


def test_failing_on_delivery_does_not_cause_a_resend(pair: Pair) -> None:
    from sqlalchemy import update

    later = pair.send(builders.ram(note="#seq:1#"), request_ref="ALPHA-2")
    with pair.platform.db.tenant(pair.alpha.id) as session:  # not due in this test
        session.execute(update(OutboxMessage).where(OutboxMessage.id == later)
                        .values(next_attempt_at=utcnow() + 30 * MIN))

    class Broken(WatchingHandler):
        def on_delivery(self, platform, session, item, outcome):  # type: ignore[no-untyped-def]
            # a half-done change before the failure must be undone with it
            session.execute(update(OutboxMessage).where(OutboxMessage.id == later)
                            .values(last_error="half-done"))
            raise RuntimeError("engine bug")

    pair.platform.extras["iso18626_handler"] = Broken()
    item = pair.send(builders.ram(note="#seq:1#"))
    outbox.drain(pair.platform)
    row = pair.row(item)
    assert row.status == "delivered" and "on_delivery failed" in (row.last_error or "")
    assert pair.row(later).last_error is None
    assert outbox.drain(pair.platform, now=utcnow() + 10 * MIN) == 0


def test_same_message_posted_concurrently_is_applied_once(pair: Pair) -> None:
    import threading

    import httpx

    data = codec.serialize(builders.ram(m.Action.RECEIVED, note="#seq:9#"))
    answers: list[bytes] = []

    def post() -> None:
        answers.append(httpx.post(pair.url, content=data, timeout=30).content)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = {codec.parse(a).confirmation_header.message_status for a in answers}
    assert len(answers) == 6 and statuses == {m.MessageStatus.OK}
    assert pair.applied() == 1


def test_parallel_senders_keep_each_request_in_order(pair: Pair) -> None:
    """With several senders, messages of different requests go out together, but a
    request's next message waits until its previous one is finished."""
    pair.platform.settings = dataclasses.replace(pair.platform.settings, outbox_senders=4)
    refs = [f"ALPHA-{n}" for n in range(1, 5)]
    for seq in range(3):
        for ref in refs:
            pair.send(builders.ram(m.Action.NOTIFICATION, note=f"{ref}/{seq}#seq:{seq}#",
                                   request_id=f"{ref}~1"), ref)
    rounds = 0
    while outbox.drain(pair.platform, limit=20):
        rounds += 1
    assert rounds == 3  # one message of each request per round, four requests at once
    assert pair.applied() == 12
    for ref in refs:
        notes = [codec.parse(b).note for b in pair.faults.bodies  # type: ignore[union-attr]
                 if f"{ref}~1".encode() in b]
        assert notes == [f"{ref}/{seq}#seq:{seq}#" for seq in range(3)]


class QuietHandler(WatchingHandler):
    """Like the engine's handler: nothing to do when a send is confirmed."""

    hears_confirmed = False


def test_a_confirmed_send_is_not_reported_to_a_quiet_handler(pair: Pair) -> None:
    pair.handler.__class__ = QuietHandler
    item = pair.send(builders.ram(note="hi#seq:1#"))
    refused = pair.send(builders.ram(m.Action.CANCEL, supplier="RESHARE:NOBODY"), "ALPHA-2")
    assert outbox.drain(pair.platform) == 2
    assert pair.row(item).status == "delivered" and pair.row(refused).status == "rejected"
    # failures are still reported, in the unit of work that records them
    assert [(i, o.result) for i, o in pair.handler.outcomes] == [
        (refused, DeliveryResult.ERROR_CONFIRMATION)]


def test_a_confirmed_send_is_logged_when_the_log_is_on(pair: Pair, client: Any) -> None:
    pair.handler.__class__ = QuietHandler
    set_setting(pair.platform, pair.alpha.id, "loggingISO18626", "yes")
    item = pair.send(builders.ram(note="hi#seq:1#"))
    outbox.drain(pair.platform)
    assert pair.row(item).status == "delivered" and pair.handler.outcomes == []
    entries = client.get("/iso18626/log", headers=pair.alpha.headers("staff"),
                         params={"direction": "out"}).json()["entries"]
    assert [(e["http_status"], e["message_status"]) for e in entries] == [(200, "OK")]


def test_a_confirmed_send_is_recorded_in_one_statement_on_postgres(pair: Pair) -> None:
    """No BEGIN or COMMIT: the result is the only write (PostgreSQL autocommit)."""
    if pair.platform.db.dialect != "postgresql":
        pytest.skip("autocommit single statements are PostgreSQL's")
    import psycopg

    pair.handler.__class__ = QuietHandler
    pair.send(builders.ram(note="warm#seq:1#"), "ALPHA-9")
    outbox.drain(pair.platform)  # warm: settings, peer address
    item = pair.send(builders.ram(note="hi#seq:1#"))
    commands: list[bytes] = []
    original = psycopg.Connection._exec_command
    sending = threading.current_thread()

    def counting(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread() is sending:  # not the receiving app's threads
            commands.append(command if isinstance(command, bytes) else str(command).encode())
        return original(self, command, *args, **kwargs)

    psycopg.Connection._exec_command = counting  # type: ignore[method-assign]
    try:
        assert outbox.drain(pair.platform) == 1
    finally:
        psycopg.Connection._exec_command = original  # type: ignore[method-assign]
    assert pair.row(item).status == "delivered"
    assert commands == []  # claim and result: one autocommit statement each


class StubRunner:
    """Stands for the in-process dispatcher: records wake-ups."""

    def __init__(self) -> None:
        self.woken: list[str | None] = []

    def wake(self, job_name: str | None = None) -> None:
        self.woken.append(job_name)


def _sending_pair(pair: Pair) -> StubRunner:
    runner = StubRunner()
    pair.platform.extras["job_runner"] = runner
    pair.platform.settings = dataclasses.replace(pair.platform.settings, outbox_senders=2)
    # these tests slow the peer down on purpose: a send must not time out on a busy machine
    set_setting(pair.platform, pair.alpha.id, "network_timeout_period", "30")
    return runner


def _until(check: Any, what: str) -> None:
    import time

    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def _queue(pair: Pair, *messages: m.InitiatingMessage, ref: str = "ALPHA-1",
           fail: bool = False) -> list[tuple[int, bool]]:
    with pair.platform.db.tenant(pair.alpha.id) as session:
        queued = [outbox.enqueue_and_send(pair.platform, session, sender_symbol="RESHARE:ALPHA",
                                          peer_symbol="RESHARE:BETA", message=message,
                                          request_ref=ref, peer_url=pair.url)
                  for message in messages]
        if fail:
            raise RuntimeError("the change that queued them is undone")
    return queued


def test_a_message_is_sent_when_its_transaction_commits(pair: Pair,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """With an in-process dispatcher, a message is written claimed and sent right after the
    commit: no claim, no wake-up of the dispatcher."""
    runner = _sending_pair(pair)
    claims: list[int] = []
    claim = outbox.claim
    monkeypatch.setattr(outbox, "claim", lambda *a, **k: claims.append(1) or claim(*a, **k))
    [(item, sending)] = _queue(pair, builders.ram(note="hi#seq:1#"))
    assert sending
    _until(lambda: pair.row(item).status == "delivered", "delivered")
    assert pair.applied() == 1 and pair.faults.posts == 1
    assert claims == [] and runner.woken == []
    assert outbox.drain(pair.platform) == 0  # nothing left for the dispatcher


def test_a_later_message_of_the_request_waits_for_the_earlier(pair: Pair) -> None:
    runner = _sending_pair(pair)
    pair.faults.plan = ["slow-apply:2"]  # the first is still being sent
    [(first, sent_first), (second, sent_second)] = _queue(
        pair, builders.ram(m.Action.NOTIFICATION, note="one#seq:1#"),
        builders.ram(m.Action.NOTIFICATION, note="two#seq:2#"))
    assert sent_first and sent_second  # the second by the dispatcher, once woken
    assert pair.row(second).status == "pending"
    _until(lambda: pair.row(first).status == "delivered", "first delivered")
    _until(lambda: "iso18626-outbox" in runner.woken, "dispatcher woken for the second")
    assert outbox.drain(pair.platform) == 1  # what the woken dispatcher does
    assert pair.row(second).status == "delivered"
    notes = [codec.parse(b).note for b in pair.faults.bodies]  # type: ignore[union-attr]
    assert notes == ["one#seq:1#", "two#seq:2#"]


def test_nothing_is_sent_when_the_transaction_is_undone(pair: Pair) -> None:
    _sending_pair(pair)
    with pytest.raises(RuntimeError):
        _queue(pair, builders.ram(note="hi#seq:1#"), fail=True)
    import time

    time.sleep(0.3)  # a send would have started by now
    assert pair.faults.posts == 0
    with pair.platform.db.tenant(pair.alpha.id) as session:
        assert outbox.items_for(session) == []


def test_without_an_in_process_dispatcher_the_message_waits_for_one(pair: Pair) -> None:
    [(item, sending)] = _queue(pair, builders.ram(note="hi#seq:1#"))
    assert not sending and pair.row(item).status == "pending"
    assert outbox.drain(pair.platform) == 1 and pair.row(item).status == "delivered"


def test_a_message_queued_while_shutting_down_is_left_to_the_dispatcher(pair: Pair) -> None:
    _sending_pair(pair)
    pool = outbox._senders(pair.platform, 2)
    assert pool is not None
    pool.shutdown(wait=True)  # as Platform.close does
    [(item, sending)] = _queue(pair, builders.ram(note="hi#seq:1#"))  # commits normally
    assert sending and pair.row(item).status == "pending" and pair.faults.posts == 0
    pair.platform.extras.pop("iso18626.senders")
    assert outbox.drain(pair.platform) == 1 and pair.row(item).status == "delivered"


def test_a_message_queued_while_the_earlier_is_being_sent_is_taken_when_it_ends(
        pair: Pair) -> None:
    runner = _sending_pair(pair)
    pair.faults.plan = ["slow-apply:2"]  # still being sent when the second is queued
    [(first, sent_first)] = _queue(pair, builders.ram(m.Action.NOTIFICATION, note="one#seq:1#"))
    _until(lambda: pair.faults.posts == 1, "the first is being sent")
    [(second, sent_second)] = _queue(pair, builders.ram(m.Action.NOTIFICATION,
                                                        note="two#seq:2#"))
    assert sent_first and sent_second and pair.row(second).status == "pending"
    assert runner.woken == []  # not before the first has ended
    _until(lambda: "iso18626-outbox" in runner.woken, "dispatcher woken when the first ended")
    assert pair.row(first).status == "delivered"
    assert outbox.drain(pair.platform) == 1 and pair.row(second).status == "delivered"
    sending = outbox._sending(pair.platform)
    assert sending.refs == set() and sending.blocked == set()  # nothing left behind


def test_a_message_behind_the_dispatchers_wakes_it_at_commit(pair: Pair) -> None:
    """When the earlier unfinished message is not one this process sends after its commit
    (it waits for the dispatcher, or a worker elsewhere sends it), the dispatcher is woken
    once the later one is committed, and not before."""
    runner = _sending_pair(pair)
    with pair.platform.db.tenant(pair.alpha.id) as session:
        first = outbox.enqueue(session, sender_symbol="RESHARE:ALPHA",
                               peer_symbol="RESHARE:BETA", peer_url=pair.url,
                               message=builders.ram(m.Action.NOTIFICATION, note="one#seq:1#"),
                               request_ref="ALPHA-1")
        second, seen_to = outbox.enqueue_and_send(
            pair.platform, session, sender_symbol="RESHARE:ALPHA", peer_symbol="RESHARE:BETA",
            message=builders.ram(m.Action.NOTIFICATION, note="two#seq:2#"),
            request_ref="ALPHA-1", peer_url=pair.url)
        assert seen_to and runner.woken == []
    assert runner.woken == ["iso18626-outbox"]
    assert pair.row(second).status == "pending"
    assert outbox.drain(pair.platform) == 1 and pair.row(first).status == "delivered"
    assert outbox.drain(pair.platform) == 1 and pair.row(second).status == "delivered"


def test_a_worker_elsewhere_is_woken_when_a_message_is_queued(pair: Pair) -> None:
    """A process without a dispatcher announces what it queued (PostgreSQL NOTIFY): a worker
    process's dispatcher runs at once instead of at its next interval."""
    if pair.platform.db.dialect != "postgresql":
        pytest.skip("the change feed is PostgreSQL's LISTEN/NOTIFY")
    from reshare.db import Database
    from reshare.iso18626 import jobs as outbox_jobs
    from reshare.jobs import Job, JobRunner
    from reshare.platform import Platform as PlatformClass

    worker = PlatformClass(settings=dataclasses.replace(pair.platform.settings, outbox_senders=2),
                           db=Database(pair.platform.db.url), secret_key="s", admin_token="a")
    runs: list[int] = []

    def dispatch(platform: Platform) -> int:
        runs.append(outbox_jobs.dispatch(platform))
        return runs[-1]

    # an hour between looks: only a wake-up makes it look again
    runner = JobRunner(worker, [Job("iso18626-outbox", 3600.0, dispatch,
                                    wake_topic=outbox.WAKE_TOPIC)])
    runner.start()
    try:
        _until(lambda: len(runs) == 1, "the worker's first look")
        from reshare.changefeed import feed_for

        _until(lambda: (feed := feed_for(worker.db.engine)) is not None and feed.is_live(),
               "the worker listens")
        assert pair.platform.extras.get("job_runner") is None  # this process dispatches not
        [(item, sending)] = _queue(pair, builders.ram(note="hi#seq:1#"))
        assert not sending
        _until(lambda: pair.row(item).status == "delivered", "sent by the woken worker")
        # the delivery is recorded before the dispatcher's run returns its count
        _until(lambda: sum(runs) == 1, "the woken run counted the message")
        assert sum(runs) == 1
    finally:
        runner.stop()
        transport = worker.extras.get("iso18626_transport")
        if hasattr(transport, "close"):
            transport.close()
        worker.close()


def test_a_failed_hand_back_does_not_fail_the_committed_change(
        pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    _sending_pair(pair)
    pool = outbox._senders(pair.platform, 2)
    assert pool is not None
    pool.shutdown(wait=True)

    def unreachable(*args: object) -> None:
        raise OSError("database unreachable")

    monkeypatch.setattr(outbox, "_release", unreachable)
    [(item, sending)] = _queue(pair, builders.ram(note="hi#seq:1#"))  # no error raised
    assert sending and pair.row(item).status == "sending"  # the lease brings it back
    pair.platform.extras.pop("iso18626.senders")
    later = utcnow() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
    assert outbox.drain(pair.platform, now=later) == 1
    assert pair.row(item).status == "delivered"
