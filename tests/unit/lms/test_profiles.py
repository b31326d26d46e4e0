"""Profiles: one per host_lms_integration value, with ReShare's quirks; search strategies."""

from __future__ import annotations

import pytest

from reshare.lms.availability import strategies
from reshare.lms.profiles import (
    PROFILES,
    profile_for,
    strip_leading_non_digits,
    strip_sierra_bib,
)
from reshare.requests.ports import BibQuery
from reshare.settings.registry import LMS_ADAPTERS


def test_every_setting_value_has_a_profile() -> None:
    assert set(LMS_ADAPTERS) == set(PROFILES)


def test_unknown_or_empty_is_manual() -> None:
    assert profile_for(None).manual and profile_for("nonsense").manual
    assert profile_for(" FOLIO ").name == "folio"


@pytest.mark.parametrize(("name", "ncip2", "retry", "rtype", "scope", "cancel"), [
    ("default", True, True, "Loan", "Bibliographic Item", False),
    ("alma", True, True, "Loan", "Bibliographic Item", False),
    ("folio", True, True, "Page", "Item", True),
    ("koha", True, True, "Loan", "Bibliographic Item", False),
    ("sierra", True, True, "Hold", "Title", False),
    ("millennium", True, False, "Loan", "Bibliographic Item", False),
    ("evergreen", True, True, "Loan", "Bibliographic Item", True),
    ("ncsu", True, True, "Loan", "Bibliographic Item", False),
    ("horizon", False, False, "Loan", "Bibliographic Item", True),
    ("symphony", False, False, "Loan", "Bibliographic Item", False),
    ("polaris", False, False, "Loan", "Bibliographic Item", False),
    ("tlc", False, False, "Loan", "Bibliographic Item", False),
    ("voyager", False, False, "Loan", "Bibliographic Item", False),
    ("aleph", False, False, "Loan", "Bibliographic Item", False),
])
def test_quirks(name: str, ncip2: bool, retry: bool, rtype: str, scope: str,
                cancel: bool) -> None:
    p = PROFILES[name]
    assert (p.speaks_ncip2, p.username_retry, p.request_type, p.request_scope,
            p.manual_cancel) == (ncip2, retry, rtype, scope, cancel)


def test_id_clean_up() -> None:
    assert strip_sierra_bib(".b11408480") == "1140848"
    assert strip_sierra_bib("1140848") == "1140848"
    assert strip_leading_non_digits("a12145126") == "12145126"
    assert PROFILES["evergreen"].bib_id_code == "BibID"
    assert not PROFILES["alma"].uses_institutional_patron
    assert not PROFILES["koha"].namespaced and not PROFILES["polaris"].namespaced


def test_strategies_in_reshare_order() -> None:
    q = BibQuery(title='Dawn "of" everything', isbn="9780374157357")
    got = [(s.name, s.pqf, s.max_records) for s in strategies(q, PROFILES["alma"])]
    assert got == [("ISBN", '@attr 1=7 "9780374157357"', 3),
                   ("title", '@attr 1=4 "Dawn  of  everything"', 3)]


def test_local_id_is_final_and_profile_specific() -> None:
    q = BibQuery(title="x", isbn="1", system_instance_id="a12145126")
    sym = list(strategies(q, PROFILES["symphony"]))
    assert [(s.pqf, s.max_records, s.final) for s in sym] == [
        ("@attr 1=1016 ^C12145126", 1, True)]
    assert next(strategies(q, PROFILES["evergreen"])).pqf == '@attr 1=1016 "a12145126"'
    assert next(strategies(q, PROFILES["koha"])).pqf == '@attr 1=12 "a12145126"'


def test_wms_connector_cql_order() -> None:
    q = BibQuery(title="T", isbn="1", system_instance_id="99")
    assert [s.cql for s in strategies(q, PROFILES["wms"])] == [
        'rec.identifier="99"', 'dc.title="T" and bath.isbn="1"', 'bath.isbn="1"', 'dc.title="T"']


def test_nothing_to_search_by() -> None:
    assert list(strategies(BibQuery(author="only"), PROFILES["alma"])) == []
