"""The simulator behaves like an LMS: circulation rules, NCIP answers, SRU from live state."""

from __future__ import annotations

import pytest
from lxml import etree

from reshare.lms.ncip import messages as m
from reshare.lms.ncip.responses import parse_response
from reshare.lms.ncip.xml import parse_xml, schema, strip_namespace, to_bytes
from reshare.lms.sim import ncip, sru
from reshare.lms.sim.app import demo_library
from reshare.lms.sim.state import Library, SimProblem
from reshare.lms.z3950.holdings import available_items, records_from_sru

H = m.Header("SIM", "SIM")


@pytest.fixture
def lib() -> Library:
    return demo_library()


def _send(lib: Library, root: etree._Element, namespaced: bool = True) -> bytes:
    return ncip.respond(lib, to_bytes(root if namespaced else strip_namespace(root)))


def test_every_answer_validates_against_the_schema(lib: Library) -> None:
    answers = [
        _send(lib, m.lookup_user(H, user_id="p-alice")),
        _send(lib, m.lookup_user(H, user_id="p-carol")),
        _send(lib, m.lookup_user(H, user_id="nobody")),
        _send(lib, m.check_out_item(H, user_id="ILL-INST", item_id="30001")),
        _send(lib, m.check_in_item(H, item_id="30001")),
        _send(lib, m.check_in_item(H, item_id="30001")),
        _send(lib, m.accept_item(H, request_id="R", item_id="T1", user_id="p-alice",
                                 bib=m.Bib("Title"))),
        _send(lib, m.delete_item(H, item_id="T1")),
        _send(lib, m.request_item(H, user_id="ILL-INST", bib_record_id="b1", bib_id_code="X",
                                  request_id="H", request_type="Loan", scope="Item")),
        _send(lib, m.cancel_request_item(H, user_id="ILL-INST", request_id="H",
                                         request_type="Loan")),
        _send(lib, m.create_user_fiscal_transaction(H, user_id="p-alice", item_id="30001",
                                                    amount="100")),
        ncip.respond(lib, b"<broken"),
    ]
    for answer in answers:
        assert schema().validate(parse_xml(answer)), answer


def test_check_in_of_an_item_not_on_loan_gives_the_real_problem(lib: Library) -> None:
    response = parse_response(_send(lib, m.check_in_item(H, item_id="30001")))
    assert [p.type for p in response.problems] == ["Item Not Checked Out"]


def test_namespace_free_requests_are_understood(lib: Library) -> None:
    response = parse_response(_send(lib, m.lookup_user(H, user_id="p-bob"), namespaced=False))
    assert response.ok and response.text("UserId", "UserIdentifierValue") == "p-bob"


def test_invalid_namespaced_request_is_rejected(lib: Library) -> None:
    bad = (b'<ns1:NCIPMessage xmlns:ns1="http://www.niso.org/2008/ncip" ns1:version="2">'
           b"<ns1:CheckInItem/></ns1:NCIPMessage>")
    response = parse_response(ncip.respond(lib, bad))
    assert response.problems[0].type == "Invalid Message Syntax Error"


def test_unsupported_service(lib: Library) -> None:
    body = (b'<NCIPMessage version="2"><LookupItem><ItemId><ItemIdentifierValue>1'
            b"</ItemIdentifierValue></ItemId></LookupItem></NCIPMessage>")
    response = parse_response(ncip.respond(lib, body))
    assert response.problems[0].type == "Unsupported Service"


def test_circulation_rules(lib: Library) -> None:
    with pytest.raises(SimProblem, match="User Blocked"):
        lib.check_out("p-carol", "30001")
    with pytest.raises(SimProblem, match="already checked out"):
        lib.check_out("p-alice", "30003")
    lib.accept_item("R1", "T1", "p-alice", "Title", "", "MAIN")
    with pytest.raises(SimProblem, match="Unable To Delete"):
        lib.check_out("p-alice", "T1")
        lib.delete_item("T1")
    lib.check_in("T1")
    lib.delete_item("T1")
    assert "T1" not in lib.items and "R1" not in lib.holds


def test_sru_reflects_loans(lib: Library) -> None:
    def copies(**kw: str) -> list[str]:
        records = records_from_sru(sru.response(lib, **kw).encode())
        items = available_items("opac", records) or []
        return [i.item_id or "" for i in items]

    assert copies(cql='dc.title="dawn"') == ["30001", "30002"]
    lib.check_out("ILL-INST", "30001")
    assert copies(cql='dc.title="dawn"') == ["30002"]
    assert copies(pqf='@attr 1=7 "978-0-374-15735-7"') == ["30002"]
    assert copies(cql='rec.id="b2"') == []  # on loan to Bob


def test_sru_marcxml_uses_koha_item_fields(lib: Library) -> None:
    records = records_from_sru(sru.response(lib, cql='rec.id="b2"', schema="marcxml").encode())
    assert available_items("koha", records) == []  # 952$q carries the due date
    lib.check_in("30003")
    items = available_items("koha", records_from_sru(
        sru.response(lib, cql='rec.id="b2"', schema="marcxml").encode()))
    assert items is not None and items[0].location == "Main Library"


def test_sru_bad_query_is_a_diagnostic(lib: Library) -> None:
    text = sru.response(lib, cql="anything")
    assert "info:srw/diagnostic/1/10" in text
