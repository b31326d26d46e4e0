"""Holdings parsing: every real gateway response against ReShare's expectations, and a fixture
per other ILS rule written from the reference's field rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reshare.lms.profiles import PROFILES, profile_for
from reshare.lms.z3950.holdings import (
    RULES,
    ItemLocation,
    SruDiagnostic,
    available_items,
    records_from_sru,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "lms"
SAMPLES = FIXTURES / "z3950"  # copies of ../shared/samples/z3950 (real gateway responses)
EXPECTED = json.loads((SAMPLES / "EXPECTED.json").read_text())["cases"]


def _as_reshare(item: ItemLocation) -> dict[str, Any]:
    return {"callNumber": item.call_number, "itemId": item.item_id,
            "itemLoanPolicy": item.loan_policy, "location": item.location,
            "shelvingLocation": item.shelving_location,
            "temporaryLocation": item.temporary_location,
            "temporaryShelvingLocation": item.temporary_shelving_location}


def _strip(expected: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in expected.items()
            if k not in {"preference", "shelvingPreference", "reason"}}


def _parse(path: Path, adapter: str) -> list[ItemLocation] | None:
    return available_items(profile_for(adapter).holdings, records_from_sru(path.read_bytes()))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_gateway_responses_give_what_reshare_expects(name: str) -> None:
    case = EXPECTED[name]
    found = _parse(SAMPLES / name, case["lms_adapter"])
    if "expected_available_items" in case:
        want = case["expected_available_items"]
        if want is None:
            assert found is None
        else:
            assert found is not None
            assert [_as_reshare(i) for i in found] == [_strip(w) for w in want]
    else:
        assert found is not None
        assert len(found) == case["expected_count"]
        if case["expected_first_item"] is not None:
            assert _as_reshare(found[0]) == _strip(case["expected_first_item"])


def test_every_sample_is_covered() -> None:
    assert set(EXPECTED) == {p.name for p in SAMPLES.glob("*.xml")}


def _loc(location: str, **kw: Any) -> ItemLocation:
    return ItemLocation(location=location, **kw)


OTHER_ILS = [
    ("polaris-852.xml", "polaris", [_loc("Central Branch", shelving_location="Adult Nonfiction",
                                         call_number="910.4 SMI", item_id="33300001")]),
    ("evergreen-852.xml", "evergreen", [_loc("BR2", shelving_location="Reference",
                                             call_number="QA76.73 .P98 c.2",
                                             item_id="39000000067890")]),
    ("tlc-982.xml", "tlc", [_loc("Uptown", shelving_location="Adult", call_number="599 ABC")]),
    ("symphony-checkedout.xml", "symphony", []),
    ("symphony-checkedout.xml", "ncsu", []),
    ("horizon-opac.xml", "horizon", [
        _loc("Main", shelving_location="Adult Fiction", call_number="FIC SMI", item_id="H1",
             loan_policy="Adult 3-week"),
        _loc("Main", shelving_location="Adult Fiction", call_number="FIC SMI", item_id="H1",
             loan_policy="New Books Display")]),
    ("millennium-opac.xml", "millennium", [
        _loc("Stacks Level 3", shelving_location="Stacks Level 3",
             call_number="PR6063 .A1 c.2")]),
    ("voyager-opac.xml", "voyager", [
        _loc("Sterling Memorial", shelving_location="SML Stacks", call_number="HB171 .K4",
             item_id="9912", loan_policy="Regular loan", temporary_location="Bass Library"),
        _loc("Sterling Memorial", shelving_location="SML Stacks", call_number="HB171 .K4",
             item_id="9913")]),
    ("voyager-opac.xml", "aleph", [
        _loc("Sterling Memorial", shelving_location="SML Stacks", call_number="HB171 .K4",
             item_id="9912", loan_policy="Regular loan", temporary_location="Bass Library"),
        _loc("Sterling Memorial", shelving_location="SML Stacks", call_number="HB171 .K4",
             item_id="9913")]),
]


@pytest.mark.parametrize(("fixture", "adapter", "expected"), OTHER_ILS,
                         ids=[f"{a}-{f}" for f, a, _ in OTHER_ILS])
def test_other_ils_rules(fixture: str, adapter: str, expected: list[ItemLocation]) -> None:
    assert _parse(FIXTURES / fixture, adapter) == expected


def test_sierra_accepts_check_shelves_where_millennium_does_not() -> None:
    found = _parse(FIXTURES / "millennium-opac.xml", "sierra")
    assert found is not None
    assert [i.location for i in found] == ["Stacks Level 2", "Stacks Level 3"]


def test_temporary_locations_replace_the_permanent_ones_for_ranking() -> None:
    voyager = _parse(FIXTURES / "voyager-opac.xml", "voyager")
    assert voyager is not None and voyager[0].effective_location == "Bass Library"
    folio = _parse(SAMPLES / "folio-not-requestable.xml", "folio")
    assert folio is not None and folio[0].effective_shelving == "Olin Reserve"


def test_marcxml_rules_need_exactly_one_record() -> None:
    records = records_from_sru((FIXTURES / "tlc-982.xml").read_bytes())
    assert RULES["tlc"](records * 2) is None
    assert RULES["tlc"]([]) is None


def test_every_profile_names_a_known_rule() -> None:
    assert {p.holdings for p in PROFILES.values()} <= set(RULES)


def test_sru_diagnostic_is_an_error_not_an_empty_result() -> None:
    body = (b'<zs:searchRetrieveResponse xmlns:zs="http://docs.oasis-open.org/ns/search-ws/'
            b'sruResponse"><zs:diagnostics><diagnostic><uri>info:srw/diagnostic/1/63</uri>'
            b"<message>Unsupported schema</message></diagnostic></zs:diagnostics>"
            b"</zs:searchRetrieveResponse>")
    with pytest.raises(SruDiagnostic, match="Unsupported schema"):
        records_from_sru(body)
