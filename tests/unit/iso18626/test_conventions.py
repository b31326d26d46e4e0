"""ReShare's conventions: exact strings a ReShare peer writes and expects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reshare.iso18626 import conventions as c
from reshare.iso18626 import model as m


def test_seq_appended_and_split() -> None:
    assert c.with_seq("Please hurry", 3) == "Please hurry#seq:3#"
    assert c.with_seq(None, 0) == "#seq:0#"
    assert c.split_seq("Please hurry#seq:3#") == ("Please hurry", 3)
    assert c.split_seq("#seq:12#") == (None, 12)
    assert c.split_seq("no marker") == ("no marker", None)
    assert c.split_seq(None) == (None, None)


@given(st.text(alphabet=st.characters(exclude_characters="#")), st.integers(0, 10**6))
def test_seq_round_trip(note: str, seq: int) -> None:
    rest, found = c.split_seq(c.with_seq(note, seq))
    assert found == seq
    assert rest == (note if note.strip() else None)


def test_last_seq_probe_and_answers() -> None:
    assert c.last_seq_note(7) == "#lastSeq:7#"
    assert c.probed_seq("#lastSeq:7#") == 7
    assert c.probed_seq("#seq:7#") is None
    ok, data = c.probe_answer(7, 7)
    assert ok and data == m.ErrorData(m.ErrorType.UNRECOGNISED_DATA_VALUE, "NoError: 7")
    ok, data = c.probe_answer(7, 5)
    assert not ok and data.error_value == "SequenceDifferent: 5"
    ok, data = c.probe_answer(7, None)
    assert not ok and data.error_value == "NoPreviousMessage: 7"


def test_probe_success_needs_ok_with_no_error() -> None:
    from tests.unit.iso18626 import builders
    ok, data = c.probe_answer(4, 4)
    assert ok
    assert not c.probe_succeeded(m.confirm(builders.ram(), error=data))  # ERROR: no proof
    assert c.probe_succeeded(m.confirm(builders.ram(), error=data, ok=True))  # ReShare's shape
    assert not c.probe_succeeded(m.confirm(builders.ram()))  # plain OK: no proof


def test_field_updates_reshare_shape_and_bug() -> None:
    note = c.field_update_note({"Title": "New title", "ServiceLevel": "Rush",
                                "MaximumCostsMonetaryValue": "12.50"})
    assert note == ("#ReShareUpdatedField-Title:New title#"
                    "#ReShareUpdatedField-ServiceLevel-Rush#"
                    "#ReShareUpdatedField-MaximumCostsMonetaryValue-12.50#")
    assert c.is_field_update_note(note)
    assert c.field_updates(note) == {"Title": "New title", "ServiceLevel": "Rush",
                                     "MaximumCostsMonetaryValue": "12.50"}
    # both separators accepted for every field
    assert c.field_updates("#ReShareUpdatedField-Volume-3#") == {"Volume": "3"}
    with pytest.raises(ValueError, match="not a field"):
        c.field_update_note({"Colour": "red"})
    with pytest.raises(ValueError, match="may not contain"):
        c.field_update_note({"Title": "a#b"})


def test_loan_condition_tags() -> None:
    note = c.with_tag(c.ADD_LOAN_CONDITION, "Library use only")
    assert note == "#ReShareAddLoanCondition# Library use only"
    assert c.has_tag(note, c.ADD_LOAN_CONDITION)
    assert c.strip_tags(note + "#seq:4#") == "Library use only"
    assert c.with_tag(c.LOAN_CONDITION_AGREE) == "#ReShareLoanConditionAgreeResponse#"
    assert c.strip_tags("#ReShareSupplierAwaitingConditionConfirmation#") is None


def test_item_id_volumes() -> None:
    one = [c.Volume("v.1", "QA76 .A1", "B0001")]
    assert c.encode_item_ids(one) == "v.1##QA76 .A1##B0001"
    many = [c.Volume("v.1", "QA76", "B1"), c.Volume("v.2", "", "B2")]
    encoded = c.encode_item_ids(many)
    assert encoded == "multivol:v.1##QA76##B1###multivol:v.2####B2"
    assert c.decode_item_ids(encoded) == many
    assert c.decode_item_ids("multivol:a##b##c,multivol:d##e##f") == [
        c.Volume("a", "b", "c"), c.Volume("d", "e", "f")]  # pre-ILLDEV-159 separator
    assert c.decode_item_ids("39015000001") == [c.Volume("39015000001", "", "39015000001")]
    assert c.decode_item_ids("") == []
    with pytest.raises(ValueError):
        c.encode_item_ids([])


def test_protocol_ids() -> None:
    assert c.build_protocol_id("ALPHA-12", 2) == "ALPHA-12~2"
    assert c.build_protocol_id("ALPHA-12", None) == "ALPHA-12~norota"
    assert c.build_protocol_id("ALPHA-12", 2, slnp=True) == "ALPHA-12"
    assert c.parse_protocol_id("ALPHA-12~2") == c.ProtocolId("ALPHA-12", 2)
    assert c.parse_protocol_id("ALPHA-12~norota") == c.ProtocolId("ALPHA-12", None, norota=True)
    assert c.parse_protocol_id("ALPHA-12") == c.ProtocolId("ALPHA-12", None)
    assert c.hrid_from_protocol_id("ALPHA-12~3") == "ALPHA-12"
    long_id = "0123456789012345678901234567-890123456789"
    assert c.hrid_from_protocol_id(long_id) == "0123456789012345678901234567"
    assert c.hrid_from_protocol_id("x" * 40) == "x" * 32


def test_record_ids_reshare_scheme() -> None:
    ids = c.record_ids({"oclcNumber": "123", "lccn": "n79", "doi": None, "patronReference": "p"})
    assert ids == [
        m.BibliographicRecordId(m.SchemeValue("oclcNumber", "RESHARE"), "123"),
        m.BibliographicRecordId(m.SchemeValue("lccn", None), "n79"),
        m.BibliographicRecordId(m.SchemeValue("patronReference", "RESHARE"), "p"),
    ]
    info = m.BibliographicInfo(bibliographic_record_id=ids,
                               bibliographic_item_id=[c.preceded_by("ALPHA-1")])
    assert c.identifier_fields(info) == {"oclcnumber": "123", "lccn": "n79",
                                         "patronreference": "p", "preceded-by": "ALPHA-1"}


def test_return_to() -> None:
    text = "Alpha " + c.wrap_return_to("1 Main St\nTown") + " rest"
    assert c.return_to(text) == "1 Main St\nTown"
    assert c.return_to("nothing") is None


def test_agency_symbols() -> None:
    agency = m.AgencyId.from_symbol("ISIL:DK-710100:X")
    assert agency.agency_id_type.value == "ISIL" and agency.agency_id_value == "DK-710100:X"
    assert agency.symbol == "ISIL:DK-710100:X"
    with pytest.raises(ValueError):
        m.AgencyId.from_symbol("NOCOLON")
