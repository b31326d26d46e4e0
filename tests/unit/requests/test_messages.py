"""ReShare's note and id conventions."""

from __future__ import annotations

from reshare.requests import messages as m
from reshare.requests.rota import parse_ratio, score_from


def test_seq_is_appended_and_stripped() -> None:
    assert m.strip_seq(m.with_seq("hello", 4)) == ("hello", 4)
    assert m.strip_seq("#seq:2#") == ("", 2)
    assert m.strip_seq("plain") == ("plain", None)


def test_protocol_id_round_trip_and_long_hrid() -> None:
    assert m.split_protocol_id(m.protocol_id("RQ-12", 3)) == ("RQ-12", 3)
    assert m.split_protocol_id("RQ-12~norota") == ("RQ-12", None)
    hrid, _ = m.split_protocol_id("A" * 20 + "-" + "B" * 20 + "~1")
    assert hrid == "A" * 20


def test_volumes_single_and_multi() -> None:
    one = m.encode_volumes([("v1", "QA1", "B1")])
    assert one == "v1##QA1##B1" and m.decode_volumes(one) == [("v1", "QA1", "B1")]
    many = m.encode_volumes([("v1", "c", "B1"), ("v2", "c", "B2")])
    assert many.count("multivol:") == 2 and len(m.decode_volumes(many)) == 2
    assert m.decode_volumes("PLAIN") == [("", "", "PLAIN")]


def test_field_updates_accept_both_separators() -> None:
    note = m.encode_field_updates({"title": "New", "local_note": "x"})
    assert note == "#ReShareUpdatedField-Title:New#"
    assert m.decode_field_updates(note + "#ReShareUpdatedField-ServiceLevel-Rush#") == {
        "title": "New", "service_level": "Rush"}


def test_tags_hidden_from_staff() -> None:
    assert m.strip_tags(f"{m.ADD_CONDITION_TAG} use in library") == "use in library"


def test_load_balancing_score() -> None:
    assert score_from({"ACTIVE_BORROW": 10, "ACTIVE_LOAN": 4}, parse_ratio("1:1")) == 6
    assert score_from({"ACTIVE_BORROW": 10, "ACTIVE_LOAN": 4}, parse_ratio("2:1")) == 16
    assert parse_ratio("nonsense") == 1 and parse_ratio("1:0") == 1
