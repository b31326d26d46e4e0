"""Every NCIP message we build validates against ncip_v2_02.xsd, in every profile's form."""

from __future__ import annotations

import pytest
from lxml import etree

from reshare.lms.ncip import messages as m
from reshare.lms.ncip.xml import (
    NS,
    InvalidNcipMessage,
    el,
    message,
    strip_namespace,
    to_bytes,
    validate,
)

H = m.Header("FROM", "TO", "EZBORROW", "secret")
BUILT = {
    "lookup by id": lambda: m.lookup_user(H, user_id="p1"),
    "lookup by name": lambda: m.lookup_user(H, user_name="alice"),
    "lookup by barcode and pin": lambda: m.lookup_user(H, barcode="2100", pin="1234"),
    "accept full": lambda: m.accept_item(
        H, request_id="R-1", item_id="R-1", user_id="p1",
        bib=m.Bib("Tïtle", "Äuthor", "9780000000000", "QA1"), pickup_location="MAIN",
        requested_action="Hold For Pickup"),
    "accept minimal": lambda: m.accept_item(H, request_id="R", item_id="I", user_id="",
                                            bib=m.Bib()),
    "check out": lambda: m.check_out_item(H, user_id="INST", item_id="B1", request_id="R"),
    "check out no request": lambda: m.check_out_item(H, user_id="INST", item_id="B1"),
    "check in": lambda: m.check_in_item(H, item_id="B1"),
    "request item": lambda: m.request_item(
        H, user_id="INST", bib_record_id="123", bib_id_code="SYSNUMBER", request_id="R",
        request_type="Loan", scope="Bibliographic Item", pickup_location="X"),
    "cancel request": lambda: m.cancel_request_item(H, user_id="INST", request_id="R",
                                                    request_type="Page"),
    "delete item": lambda: m.delete_item(H, item_id="TMP"),
    "fiscal": lambda: m.create_user_fiscal_transaction(H, user_id="p1", item_id="B1",
                                                       amount="250", request_id="R"),
    "fiscal without item": lambda: m.create_user_fiscal_transaction(H, user_id="p1", item_id="",
                                                                    amount="1"),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_message_validates(name: str) -> None:
    root = BUILT[name]()
    validate(root)
    assert root.get(f"{{{NS}}}version", "").endswith("ncip_v2_02.xsd")


@pytest.mark.parametrize("name", sorted(BUILT))
def test_namespace_free_form_keeps_the_content(name: str) -> None:
    root = BUILT[name]()
    plain = strip_namespace(root)
    assert b"niso.org/2008/ncip" not in to_bytes(plain)
    assert [e.tag for e in plain.iter()] == [etree.QName(e).localname for e in root.iter()]
    assert plain.get("version")


def test_header_carries_agencies_and_profile() -> None:
    text = to_bytes(m.check_in_item(m.Header("A1", ""), item_id="X")).decode()
    # no to-agency configured: the from-agency is used, as in ReShare
    assert text.count("<ns1:AgencyId>A1</ns1:AgencyId>") == 3
    assert "<ns1:ApplicationProfileType>EZBORROW<" in text
    assert "FromAgencyAuthentication" not in text


def test_an_invalid_message_is_refused_before_sending() -> None:
    root, _ = message()
    body = el(root, "CheckInItem")
    el(body, "ItemElementType", "Bibliographic Description")  # ItemId missing
    with pytest.raises(InvalidNcipMessage, match="ItemId"):
        validate(root)


def test_control_characters_from_catalogue_data_are_dropped() -> None:
    root = m.accept_item(H, request_id="R\x0b1", item_id="I", user_id="",
                         bib=m.Bib(title="Bad\x01title\x1f"))
    validate(root)
    assert b"<ns1:Title>Badtitle</ns1:Title>" in to_bytes(root)
