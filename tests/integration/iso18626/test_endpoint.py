"""POST /iso18626: routing to the tenant, synchronous confirmations, idempotent receiving,
#lastSeq probes, hostile input, and the protocol log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reshare.iso18626 import codec
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import HandlingOutcome, RecordingHandler
from reshare.iso18626.store import ReceivedMessage, RecordedMessage
from reshare.platform import Platform
from tests.integration.iso18626.support import applied, own_symbol, set_setting
from tests.support.factories import TenantFixture
from tests.unit.iso18626 import builders
from tests.unit.iso18626.test_codec_hostile import BILLION_LAUGHS, XXE

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures/iso18626/samples"


@pytest.fixture(autouse=True)
def recording(platform: Platform) -> None:
    """These tests are about messaging, not the engine: record what is applied."""
    platform.extras["iso18626_handler"] = RecordingHandler()


@pytest.fixture
def beta(platform: Platform, tenant_b: TenantFixture) -> TenantFixture:
    own_symbol(platform, tenant_b.id, "RESHARE:BETA,ISIL:DK-BETA")
    return tenant_b


def post(client: TestClient, message: m.Message | bytes, path: str = "/iso18626"
         ) -> tuple[int, m.Message]:
    data = message if isinstance(message, bytes) else codec.serialize(message)
    response = client.post(path, content=data, headers={"Content-Type": "application/xml"})
    assert response.headers["content-type"].startswith("application/xml")
    return response.status_code, codec.parse(response.content)


def test_request_routed_and_confirmed(client: TestClient, platform: Platform,
                                      beta: TenantFixture) -> None:
    status, conf = post(client, builders.request("ALPHA-1~1"))
    assert status == 200 and isinstance(conf, m.RequestConfirmation)
    header = conf.confirmation_header
    assert header.message_status == m.MessageStatus.OK
    assert header.requesting_agency_request_id == "ALPHA-1~1"
    assert header.supplying_agency_id == m.AgencyId.from_symbol("RESHARE:BETA")
    assert header.timestamp_received == builders.T0
    assert applied(platform, beta.id, "ALPHA-1~1") == 1


def test_reshare_path_and_sam_echo(client: TestClient, platform: Platform,
                                   tenant_a: TenantFixture) -> None:
    own_symbol(platform, tenant_a.id, "RESHARE:ALPHA")
    sam = builders.sam(m.Status.LOANED, m.ReasonForMessage.STATUS_CHANGE)
    status, conf = post(client, sam, "/rs/externalApi/iso18626")
    assert status == 200 and isinstance(conf, m.SupplyingAgencyMessageConfirmation)
    assert conf.reason_for_message == m.ReasonForMessage.STATUS_CHANGE
    assert conf.confirmation_header.message_status == m.MessageStatus.OK
    assert applied(platform, tenant_a.id) == 1


def test_unknown_symbol_is_an_error_confirmation(client: TestClient, platform: Platform,
                                                 beta: TenantFixture) -> None:
    status, conf = post(client, builders.request(supplier="RESHARE:NOBODY"))
    assert status == 200
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert conf.error_data is not None
    assert conf.error_data.error_type == m.ErrorType.UNRECOGNISED_DATA_VALUE
    assert "RESHARE:NOBODY" in (conf.error_data.error_value or "")
    assert applied(platform, beta.id) == 0


@pytest.mark.parametrize("data, expected_status", [
    (BILLION_LAUGHS, 400), (XXE, 400), (b"garbage", 400), (b"", 400),
    (b"<a xmlns='urn:x'/>", 400), (b"<ISO18626Message>" + b"x" * 1_100_000, 413),
])
def test_hostile_input_never_500_never_applied(client: TestClient, platform: Platform,
                                               beta: TenantFixture, data: bytes,
                                               expected_status: int) -> None:
    status, conf = post(client, data)
    assert status == expected_status
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert conf.error_data is not None
    assert conf.error_data.error_type == m.ErrorType.BADLY_FORMED_MESSAGE
    assert applied(platform, beta.id) == 0


def test_confirmation_posted_alone_is_refused(client: TestClient, beta: TenantFixture) -> None:
    status, conf = post(client, m.confirm(builders.request()))
    assert status == 400 and conf.error_data is not None
    assert "confirmation" in (conf.error_data.error_value or "")


@pytest.mark.parametrize("old, new, error_type", [
    (b">Cancel<", b">WeCancelThisMessage<", m.ErrorType.UNSUPPORTED_ACTION_TYPE),
    (b"<ill:action>Cancel</ill:action>", b"<ill:action>Cancel</ill:action><ill:x/>",
     m.ErrorType.UNRECOGNISED_DATA_ELEMENT),
])
def test_bad_values_answered_with_matching_confirmation(
        client: TestClient, platform: Platform, beta: TenantFixture, old: bytes, new: bytes,
        error_type: m.ErrorType) -> None:
    data = codec.serialize(builders.ram(m.Action.CANCEL)).replace(old, new)
    status, conf = post(client, data)
    assert status == 200 and isinstance(conf, m.RequestingAgencyMessageConfirmation)
    assert conf.error_data is not None and conf.error_data.error_type == error_type
    assert conf.confirmation_header.requesting_agency_request_id == "ALPHA-1~1"
    assert applied(platform, beta.id) == 0


def test_every_real_sample_is_answered_without_500(client: TestClient,
                                                   beta: TenantFixture) -> None:
    for path in sorted(SAMPLES.glob("*/*.xml")):
        response = client.post("/iso18626", content=path.read_bytes())
        assert response.status_code in (200, 400), path.name
        codec.parse(response.content)


def test_duplicate_applied_once_confirmed_ok_twice(client: TestClient, platform: Platform,
                                                   beta: TenantFixture) -> None:
    message = builders.ram(m.Action.RECEIVED, note="Thanks#seq:4#")
    first = client.post("/iso18626", content=codec.serialize(message))
    message.header.timestamp = message.header.timestamp.replace(minute=5)  # ReShare rebuilds
    second = client.post("/iso18626", content=codec.serialize(message))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content  # the stored confirmation
    assert codec.parse(second.content).confirmation_header.message_status == m.MessageStatus.OK
    assert applied(platform, beta.id) == 1


def test_same_bytes_without_seq_applied_once(client: TestClient, platform: Platform,
                                             beta: TenantFixture) -> None:
    data = codec.serialize(builders.ram(m.Action.NOTIFICATION, note="hello"))
    assert client.post("/iso18626", content=data).content == \
        client.post("/iso18626", content=data).content
    assert applied(platform, beta.id) == 1
    other = codec.serialize(builders.ram(m.Action.NOTIFICATION, note="hello again"))
    client.post("/iso18626", content=other)
    assert applied(platform, beta.id) == 2


def test_older_sequence_recognised_and_still_applied(client: TestClient, platform: Platform,
                                                     beta: TenantFixture) -> None:
    post(client, builders.ram(m.Action.NOTIFICATION, note="b#seq:5#"))
    post(client, builders.ram(m.Action.NOTIFICATION, note="a#seq:3#"))
    with platform.db.tenant(beta.id) as session:
        rows = {r.seq: r.out_of_order for r in session.scalars(select(ReceivedMessage))}
    assert rows == {5: False, 3: True}
    assert applied(platform, beta.id) == 2  # no silent drop


def test_last_seq_probe(client: TestClient, platform: Platform, beta: TenantFixture) -> None:
    _, conf = post(client, builders.ram(m.Action.STATUS_REQUEST, note="#lastSeq:1#"))
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert (conf.error_data and conf.error_data.error_value) == "NoPreviousMessage: 1"
    post(client, builders.request(note="Please#seq:0#"))
    post(client, builders.ram(m.Action.NOTIFICATION, note="x#seq:1#"))
    _, conf = post(client, builders.ram(m.Action.STATUS_REQUEST, note="#lastSeq:1#"))
    assert conf.confirmation_header.message_status == m.MessageStatus.OK
    assert conf.error_data == m.ErrorData(m.ErrorType.UNRECOGNISED_DATA_VALUE, "NoError: 1")
    _, conf = post(client, builders.ram(m.Action.STATUS_REQUEST, note="#lastSeq:2#"))
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert (conf.error_data and conf.error_data.error_value) == "SequenceDifferent: 1"
    assert applied(platform, beta.id) == 2  # probes are answered, not applied


class RefusingHandler(RecordingHandler):
    def __init__(self, crash: bool = False) -> None:
        self.crash = crash

    def handle(self, platform, session, tenant_id, message):  # type: ignore[no-untyped-def]
        super().handle(platform, session, tenant_id, message)  # writes, then refuses
        if self.crash:
            raise RuntimeError("engine bug")
        return HandlingOutcome.error(m.ErrorType.UNRECOGNISED_DATA_VALUE,
                                     "UnableToFindRequest: ALPHA-1~1")


@pytest.mark.parametrize("crash", [False, True])
def test_handler_error_changes_nothing(client: TestClient, platform: Platform,
                                       beta: TenantFixture, crash: bool) -> None:
    platform.extras["iso18626_handler"] = RefusingHandler(crash)
    status, conf = post(client, builders.ram(m.Action.RECEIVED, note="#seq:1#"))
    assert status == 200
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert conf.error_data is not None
    expected = "UnableToProcess" if crash else "UnableToFindRequest"
    assert (conf.error_data.error_value or "").startswith(expected)
    with platform.db.tenant(beta.id) as session:
        assert session.scalars(select(RecordedMessage)).first() is None
        assert session.scalars(select(ReceivedMessage)).first() is None
    # the sender retries once the problem is fixed: now it is applied
    platform.extras["iso18626_handler"] = RecordingHandler()
    _, conf = post(client, builders.ram(m.Action.RECEIVED, note="#seq:1#"))
    assert conf.confirmation_header.message_status == m.MessageStatus.OK
    assert applied(platform, beta.id) == 1


def test_protocol_log_records_and_is_viewable(client: TestClient, platform: Platform,
                                              beta: TenantFixture) -> None:
    post(client, builders.ram(note="not logged"))
    set_setting(platform, beta.id, "loggingISO18626", "yes")
    post(client, builders.ram(m.Action.SHIPPED_RETURN, note="logged#seq:2#"))
    post(client, b"<ISO18626Message>broken")
    listing = client.get("/iso18626/log", headers=beta.headers("staff")).json()
    assert listing["logging"] is True
    [entry] = listing["entries"]
    assert entry["direction"] == "in" and entry["message_status"] == "OK"
    assert entry["element"] == "requestingAgencyMessage"
    detail = client.get(f"/iso18626/log/{entry['id']}", headers=beta.headers("staff")).json()
    assert "logged#seq:2#" in detail["body"]
    assert "<ill:messageStatus>OK</ill:messageStatus>" in detail["confirmation"]


@pytest.mark.parametrize("given, expected", [
    ("BadlyFormedMessage", m.ErrorType.BADLY_FORMED_MESSAGE),
    ("NoSuchType", m.ErrorType.UNRECOGNISED_DATA_VALUE),
])
def test_handler_outcome_may_use_xsd_strings(client: TestClient, platform: Platform,
                                             beta: TenantFixture, given: str,
                                             expected: m.ErrorType) -> None:
    from types import SimpleNamespace

    class EngineLikeHandler(RecordingHandler):
        def handle(self, platform, session, tenant_id, message):  # type: ignore[no-untyped-def]
            return SimpleNamespace(ok=False, error_type=given,
                                   error_value="RequestIdAlreadyExists: ALPHA-1")

    platform.extras["iso18626_handler"] = EngineLikeHandler()
    _, conf = post(client, builders.request())
    assert conf.error_data == m.ErrorData(expected, "RequestIdAlreadyExists: ALPHA-1")


def test_reshare_supplier_probe_without_status(client: TestClient, platform: Platform,
                                               tenant_a: TenantFixture) -> None:
    own_symbol(platform, tenant_a.id, "RESHARE:ALPHA")
    post(client, builders.sam(m.Status.WILL_SUPPLY, note="#seq:2#"))
    probe = codec.serialize(builders.sam(m.Status.LOANED, m.ReasonForMessage.STATUS_CHANGE,
                                         note="#lastSeq:2#"))
    probe = probe.replace(b"<ill:status>Loaned</ill:status>", b"")
    status, conf = post(client, probe)
    assert status == 200 and conf.confirmation_header.message_status == m.MessageStatus.OK
    assert conf.error_data == m.ErrorData(m.ErrorType.UNRECOGNISED_DATA_VALUE, "NoError: 2")
    assert applied(platform, tenant_a.id) == 1  # the probe itself changed nothing


@pytest.mark.parametrize("data", [
    None,  # a valid Request, posted in several chunks
    b"<ISO18626Message>" + b"x" * 1_100_000,  # too large: 413, not read
    b"<a xmlns='urn:x'/>",
])
def test_direct_endpoint_answers_as_the_framework_route_does(
        client: TestClient, platform: Platform, beta: TenantFixture,
        data: bytes | None) -> None:
    """Peers' posts are answered in front of FastAPI; the route it keeps for the OpenAPI
    document (and apps built without the fast path) gives the same answers."""
    from fastapi import FastAPI

    from reshare.iso18626.api import Iso18626Direct, router

    assert any(mw.cls is Iso18626Direct for mw in client.app.user_middleware)  # type: ignore[attr-defined]
    bare = FastAPI()
    bare.state.platform = platform
    bare.include_router(router)
    answers = []
    for n, app_client in enumerate((client, TestClient(bare))):
        body = data if data is not None else codec.serialize(builders.request(f"ALPHA-{n}~1"))

        def chunks(body: bytes = body) -> Any:
            yield from (body[i:i + 500] for i in range(0, len(body), 500))

        response = app_client.post("/iso18626", content=chunks(),
                                   headers={"Content-Type": "application/xml"})
        conf = codec.parse(response.content)
        answers.append((response.status_code, type(conf).__name__,
                        conf.confirmation_header.message_status,
                        getattr(conf, "error_data", None) and conf.error_data.error_type))
    assert answers[0] == answers[1]
    if data is None:
        assert applied(platform, beta.id, "ALPHA-0~1") == applied(platform, beta.id,
                                                                    "ALPHA-1~1") == 1


def test_repeat_that_waited_for_the_first_gets_its_answer(platform: Platform,
                                                          beta: TenantFixture) -> None:
    """A repeat arriving while the first copy is being applied looks before the first
    commits, so it is applied too; when its handler then refuses (the request has moved on)
    it is answered with the first copy's stored confirmation, not an ERROR. (SQLite runs
    one writer at a time, so the repeat sees the first copy's row: PostgreSQL only.)"""
    import threading

    from reshare.iso18626 import receiving

    if platform.db.dialect != "postgresql":
        pytest.skip("SQLite's writers are serialised: the repeat cannot overlap the first")
    inside, looked, first_done = threading.Event(), threading.Event(), threading.Event()
    calls: list[int] = []

    class MovingOnHandler(RecordingHandler):
        def handle(self, platform, session, tenant_id, message):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 1:  # the first copy: applied once the repeat has looked
                inside.set()
                assert looked.wait(10)
                return super().handle(platform, session, tenant_id, message)
            looked.set()  # its handler runs: the repeat's look found nothing
            assert first_done.wait(10)  # the first copy has committed
            return HandlingOutcome.error(m.ErrorType.UNRECOGNISED_DATA_VALUE,
                                         "UnableToFindRequest: moved on")

    platform.extras["iso18626_handler"] = MovingOnHandler()
    data = codec.serialize(builders.ram(m.Action.RECEIVED, note="#seq:4#"))
    answers: dict[str, bytes] = {}

    def first() -> None:
        answers["first"] = receiving.receive(platform, data).body
        first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    answers["repeat"] = receiving.receive(platform, data).body
    thread.join()
    assert len(calls) == 2  # the repeat was applied, then refused and undone
    assert answers["repeat"] == answers["first"]
    conf = codec.parse(answers["repeat"])
    assert conf.confirmation_header.message_status == m.MessageStatus.OK
    assert applied(platform, beta.id) == 1
