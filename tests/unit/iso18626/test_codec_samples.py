"""Real messages from OCLC WorldShare and ReShare (../shared/samples/iso18626): each parses with
the documented leniency, or is rejected with a precise error for the reason stated here; our
serialisation of everything parsed validates against v1.2 and reads back equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from reshare.iso18626 import codec
from reshare.iso18626 import model as m

# unchanged copies of ../shared/samples/iso18626 (provenance and licences in SOURCES.md there)
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures/iso18626/samples"

# file → (errorType, text the errorValue must contain, why the file is rejected)
REJECTED = {
    "mod-rs/integration__cancelResponseReplyNoTemplate.xml": (
        m.ErrorType.UNRECOGNISED_DATA_VALUE, "header/timestamp: '_TIMESTAMP_'",
        "a test template: the timestamp is a placeholder"),
    "mod-rs/integration__statusChangeExpectToSupplyTemplate.xml": (
        m.ErrorType.UNRECOGNISED_DATA_VALUE, "header/timestamp: '_TIMESTAMP_'",
        "a test template: the timestamp is a placeholder"),
    "mod-rs/integration__statusChangeUnfilledTemplate.xml": (
        m.ErrorType.UNRECOGNISED_DATA_VALUE, "header/timestamp: '_TIMESTAMP_'",
        "a test template: the timestamp is a placeholder"),
    "mod-rs/integration__unfilledNotification.xml": (
        m.ErrorType.UNRECOGNISED_DATA_VALUE, "header/timestamp: 'timestamp_holder'",
        "a test template: the timestamp is a placeholder"),
    "mod-rs/integration__supplyingAgencyMessage_statusChange.xml": (
        m.ErrorType.UNRECOGNISED_DATA_VALUE, "statusInfo/status: 'status_holder'",
        "a test template: the status is a placeholder"),
    "mod-rs/integration__patronRequest.xml": (
        m.ErrorType.BADLY_FORMED_MESSAGE, "request/header/supplyingAgencyId: required",
        "no supplyingAgencyId: a header id, without which we cannot route the request"),
    "mod-rs/integration__patronRequestRetry.xml": (
        m.ErrorType.BADLY_FORMED_MESSAGE, "request/header/supplyingAgencyId: required",
        "no supplyingAgencyId: a header id, without which we cannot route the request"),
}
FILES = sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.glob("*/*.xml"))


def test_samples_are_there() -> None:
    assert len(FILES) == 45


@pytest.mark.parametrize("name", [f for f in FILES if f not in REJECTED])
def test_sample_parses_and_our_serialisation_validates(name: str) -> None:
    parsed = codec.parse_document((SAMPLES / name).read_bytes())
    data = codec.serialize(parsed.message)  # raises unless XSD-valid
    assert codec.parse(data) == parsed.message
    assert b'ill:version="1.2"' in data


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_sample_rejected_precisely(name: str) -> None:
    error_type, fragment, _why = REJECTED[name]
    with pytest.raises(codec.Iso18626ParseError) as caught:
        codec.parse((SAMPLES / name).read_bytes())
    assert caught.value.error_type == error_type
    assert fragment in caught.value.error_value


def test_leniency_is_reported() -> None:
    sample = SAMPLES / "mod-rs/test__supplyingAgencyMessage.xml"
    parsed = codec.parse_document(sample.read_bytes())
    assert parsed.version is None
    assert "message without the ISO18626Message wrapper" in parsed.warnings
    sam = parsed.message
    assert isinstance(sam, m.SupplyingAgencyMessage)
    # +0000 offset read as UTC
    assert sam.header.timestamp.isoformat() == "1900-01-01T01:01:01+00:00"
    assert sam.delivery_info is not None and sam.delivery_info.sent_to_patron is True


def test_oclc_error_confirmation_read() -> None:
    conf = codec.parse((SAMPLES / "oclc-circill-toolkit/RequestConfirmationSampleError.xml")
                       .read_bytes())
    assert isinstance(conf, m.RequestConfirmation)
    assert conf.confirmation_header.message_status == m.MessageStatus.ERROR
    assert conf.error_data is not None


def test_version_strings_seen_in_real_traffic() -> None:
    versions = {codec.parse_document((SAMPLES / f).read_bytes()).version
                for f in FILES if f not in REJECTED}
    assert {"1.0", "1.2", "v1_2_2017"} <= versions
