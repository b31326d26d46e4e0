"""ISO 18626:2021 (schema 2021-2) messages are read into the v1.2 model: elements with a v1.2
slot are mapped, the rest ignored with a warning; what we then send validates as v1.2."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from reshare.iso18626 import codec
from reshare.iso18626 import model as m

HERE = Path(__file__).resolve().parents[2] / "fixtures/iso18626/v2021"
SCHEMA_2021 = Path(codec.__file__).parent / "schemas/ISO-18626-2021-2.xsd"


@pytest.mark.parametrize("name", ["sam-retry.xml", "request.xml"])
def test_fixture_is_valid_2021_2(name: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_2021)))
    assert schema.validate(etree.parse(str(HERE / name))), schema.error_log


def test_2021_sam_mapped_into_v1_2() -> None:
    parsed = codec.parse_document((HERE / "sam-retry.xml").read_bytes())
    sam = parsed.message
    assert parsed.version == "2021-2"
    assert isinstance(sam, m.SupplyingAgencyMessage)
    assert sam.status_info.status == m.Status.RETRY_POSSIBLE
    assert sam.message_info.reason_retry is not None
    assert sam.message_info.reason_retry.value == "CostExceedsMaxCost"
    assert sam.message_info.offered_costs == m.Costs(m.SchemeValue("DKK"), Decimal("45.00"))
    assert sam.message_info.retry_before is not None
    assert sam.delivery_info is not None
    assert sam.delivery_info.sent_via == m.SchemeValue("Courier")
    assert sam.delivery_info.delivered_format == m.SchemeValue("Printed")
    assert "2021-2 retryInfo mapped into messageInfo" in parsed.warnings
    assert ("supplyingAgencyMessage/retryInfo/loanCondition: 2021-2 element ignored "
            "(no v1.2 slot)") in parsed.warnings
    codec.serialize(sam)


def test_2021_request_mapped_into_v1_2() -> None:
    parsed = codec.parse_document((HERE / "request.xml").read_bytes())
    request = parsed.message
    assert isinstance(request, m.Request)
    assert request.header.multiple_item_request_id == ""
    [item_id] = request.bibliographic_info.bibliographic_item_id
    assert (item_id.bibliographic_item_identifier_code.value,
            item_id.bibliographic_item_identifier) == ("ISBN", "9788702000000")
    assert request.service_info is not None
    assert request.service_info.preferred_format == m.SchemeValue("Printed")
    ignored = " ".join(parsed.warnings)
    for name in ("consortialId", "authorId", "preferredEdition"):
        assert f"{name}: 2021-2 element ignored" in ignored
    data = codec.serialize(request)
    assert codec.parse(data) == request
