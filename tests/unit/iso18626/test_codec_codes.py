"""Our own fixtures for every status, action, reason and error code (golden files in
tests/fixtures/iso18626/codes), strict rejection of unknown codes, and loud failure when we
would send an invalid message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reshare.iso18626 import codec
from reshare.iso18626 import model as m
from tests.unit.iso18626 import builders

CODES = Path(__file__).resolve().parents[2] / "fixtures/iso18626/codes"


def _cases() -> dict[str, m.Message]:
    cases: dict[str, m.Message] = {}
    for status in m.Status:
        cases[f"sam-status-{status.value}"] = builders.sam(status, m.ReasonForMessage.STATUS_CHANGE)
    for reason in m.ReasonForMessage:
        cases[f"sam-reason-{reason.value}"] = builders.sam(m.Status.LOANED, reason)
    for action in m.Action:
        cases[f"ram-action-{action.value}"] = builders.ram(action, note="#seq:2#")
    for error in m.ErrorType:
        cases[f"confirmation-error-{error.value}"] = m.confirm(
            builders.request(), error=m.ErrorData(error, "detail"), now=builders.T0)
    for service in m.ServiceType:
        req = builders.request()
        assert req.service_info is not None
        req.service_info.service_type = service
        cases[f"request-service-{service.value}"] = req
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_fixture(name: str) -> None:
    path = CODES / f"{name}.xml"
    data = codec.serialize(CASES[name])
    if os.environ.get("RESHARE_REGENERATE_FIXTURES"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.read_bytes() == data
    assert codec.parse(path.read_bytes()) == CASES[name]


def _swap(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new)


@pytest.mark.parametrize("old, new, error_type, fragment", [
    (b">Loaned<", b">WeCouldLoan<", m.ErrorType.UNRECOGNISED_DATA_VALUE, "statusInfo/status"),
    (b">RequestResponse<", b">NoGoodReason<", m.ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE,
     "messageInfo/reasonForMessage"),
    (b"<ill:requestingAgencyRequestId>ALPHA-1~1</ill:requestingAgencyRequestId>", b"",
     m.ErrorType.BADLY_FORMED_MESSAGE, "header/requestingAgencyRequestId"),
    (b"<ill:messageInfo>", b"<ill:surprise>x</ill:surprise><ill:messageInfo>",
     m.ErrorType.UNRECOGNISED_DATA_ELEMENT, "supplyingAgencyMessage/surprise"),
])
def test_strict_where_meaning_would_be_lost(old: bytes, new: bytes, error_type: m.ErrorType,
                                            fragment: str) -> None:
    data = _swap(codec.serialize(builders.sam(m.Status.LOANED)), old, new)
    with pytest.raises(codec.Iso18626ParseError) as caught:
        codec.parse(data)
    assert caught.value.error_type == error_type
    assert fragment in caught.value.error_value
    if error_type != m.ErrorType.BADLY_FORMED_MESSAGE:  # header was readable: kept for the echo
        assert caught.value.header is not None
        assert caught.value.element == "supplyingAgencyMessage"


def test_unknown_action_is_unsupported_action_type() -> None:
    data = _swap(codec.serialize(builders.ram(m.Action.CANCEL)), b">Cancel<",
                 b">WeCancelThisMessage<")
    with pytest.raises(codec.Iso18626ParseError) as caught:
        codec.parse(data)
    assert caught.value.error_type == m.ErrorType.UNSUPPORTED_ACTION_TYPE
    assert "WeCancelThisMessage" in caught.value.error_value


def test_american_error_spelling_accepted() -> None:
    conf = m.confirm(builders.request(), error=m.ErrorData(m.ErrorType.UNRECOGNISED_DATA_VALUE))
    data = _swap(codec.serialize(conf), b"UnrecognisedDataValue", b"UnrecognizedDataValue")
    parsed = codec.parse(data)
    assert parsed.error_data == m.ErrorData(m.ErrorType.UNRECOGNISED_DATA_VALUE)


def test_lenient_dates_and_attributes() -> None:
    data = codec.serialize(builders.sam(m.Status.LOANED))
    data = _swap(data, b"<ill:lastChange>2026-11-28T12:00:00Z</ill:lastChange>",
                 b"<ill:lastChange/>")
    data = _swap(data, b"2026-11-28T12:00:00Z", b"2026-11-28T13:00:00.62959771+0100")
    data = _swap(data, b'ill:version="1.2"', b'version="v1_2_2017"')
    parsed = codec.parse_document(data)
    assert parsed.version == "v1_2_2017"
    assert isinstance(parsed.message, m.SupplyingAgencyMessage)
    assert parsed.message.header.timestamp == builders.T0.replace(microsecond=629597)
    assert parsed.message.status_info.last_change == parsed.message.header.timestamp


def test_invalid_outgoing_message_fails_loudly() -> None:
    bad = builders.request()
    bad.requested_delivery_info = [m.RequestedDeliveryInfo(address=m.Address())]
    with pytest.raises(codec.Iso18626ValidationError, match="not valid v1.2"):
        codec.serialize(bad)


def test_reshare_shape() -> None:
    data = codec.serialize(builders.request())
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ill:ISO18626Message')
    assert b'xmlns:ill="http://illtransactions.org/2013/iso18626"' in data
    assert b"<ill:multipleItemRequestId></ill:multipleItemRequestId>" in data
    assert b"https://illtransactions.org/schemas/ISO-18626-v1_2.xsd" in data


def test_reshare_statusless_probe_is_read() -> None:
    data = codec.serialize(builders.sam(m.Status.LOANED, m.ReasonForMessage.STATUS_CHANGE,
                                        note="#lastSeq:4#"))
    data = _swap(data, b"<ill:status>Loaned</ill:status>", b"")
    parsed = codec.parse_document(data)
    assert isinstance(parsed.message, m.SupplyingAgencyMessage)
    assert any("#lastSeq probe without a status" in w for w in parsed.warnings)
    # an ordinary SAM without a status is still refused
    plain = _swap(codec.serialize(builders.sam(m.Status.LOANED)),
                  b"<ill:status>Loaned</ill:status>", b"")
    with pytest.raises(codec.Iso18626ParseError, match="statusInfo/status"):
        codec.parse(plain)
