"""NCIP responses: every sample parses (Problems included) and the fields ReShare reads map."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reshare.lms.ncip.responses import (
    already_checked_in,
    due_date_of,
    parse_due_date,
    parse_response,
    read_user,
)

NCIP = Path(__file__).parents[2] / "fixtures" / "lms" / "ncip"
SAMPLES = sorted(NCIP.glob("*/*.xml"))


def _load(name: str):  # type: ignore[no-untyped-def]
    return parse_response(next(NCIP.glob(f"*/{name}")).read_bytes())


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_parses(path: Path) -> None:
    response = parse_response(path.read_bytes())
    assert response.service or response.problems
    for problem in response.problems:
        assert problem.type  # every Problem has its type read
    if "Problem" in path.read_text() and "ProblemType" in path.read_text():
        assert response.problems, "a Problem in the sample was missed"
        assert not response.ok


def test_sample_count() -> None:
    assert len(SAMPLES) == 56


@pytest.mark.parametrize(("name", "ptype", "detail", "element"), [
    ("CheckInResponseBarcodedItemNotOnLoan.xml", "Item Not Checked Out", "ITEM_NOT_CHECKED_OUT",
     ""),
    ("CheckOutItemResponseUserUnknown.xml", "Unknown User", "UNKNOWN_USER", ""),
    ("RequestItemResponseSample1.xml", "User Blocked",
     "User left their love letters at the Law Library Circ Desk", "UserId"),
    ("ProblemResponseSample2.xml", "Unknown Agency", 'No agency with id "123456" found.',
     "InitiationHeader/ToAgency/AgencyId"),
    ("GeneralProcessingErrorResponseSample1.xml", "Temporary Processing Failure", "Bytes read", ""),
])
def test_problems_are_read_in_both_placements(name: str, ptype: str, detail: str,
                                              element: str) -> None:
    response = _load(name)
    assert not response.ok
    first = response.problems[0]
    assert (first.type, first.element) == (ptype, element)
    assert first.detail.startswith(detail)
    assert ptype in response.reason()


def test_two_message_level_problems_are_both_kept() -> None:
    response = _load("ProblemResponseSample1.xml")
    assert [p.type for p in response.problems] == ["Agency Authentication Failed",
                                                   "Needed Data Missing"]


def test_already_checked_in_only_for_a_single_matching_problem() -> None:
    assert already_checked_in(_load("CheckInResponseBarcodedItemNotOnLoan.xml"))
    assert already_checked_in(_load("CheckInResponseBarcodedItemUnknown.xml"))
    assert not already_checked_in(_load("CheckInResponseBarcodedItemSuccess.xml"))
    assert not already_checked_in(_load("ProblemResponseSample1.xml"))


def test_check_out_due_date() -> None:
    response = _load("CheckOutItemResponseSuccess.xml")
    assert response.ok
    assert due_date_of(response) == dt.datetime(2018, 2, 1, 12, 34, 56, tzinfo=dt.UTC)
    assert response.text("UserId", "UserIdentifierValue") == "NDOSU"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-05-01", dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
    ("2024-05-01 10:30", dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)),
    ("2024-05-01T10:30:00.000-05:00",
     dt.datetime(2024, 5, 1, 15, 30, tzinfo=dt.UTC)),
    ("", None),
    ("next tuesday", None),
])
def test_due_date_formats(raw: str, expected: dt.datetime | None) -> None:
    assert parse_due_date(raw) == expected


def test_lookup_user_sample_has_no_optional_fields() -> None:
    info = read_user(_load("LookupUserResponseSample1.xml"))
    assert info.user_id == "987181"
    assert (info.given_name, info.surname, info.blocked, info.profile) == (None, None, False, "")


LOOKUP = b"""<NCIPMessage version="x"><LookupUserResponse>
<UserId><UserIdentifierValue>u1</UserIdentifierValue></UserId>
<UserOptionalFields>
 <NameInformation><PersonalNameInformation><UnstructuredPersonalUserName>Doe, Jane
 </UnstructuredPersonalUserName></PersonalNameInformation></NameInformation>
 <UserAddressInformation><UserAddressRoleType>Home</UserAddressRoleType><ElectronicAddress>
  <ElectronicAddressType>mailTo</ElectronicAddressType><ElectronicAddressData>j@x.org
  </ElectronicAddressData></ElectronicAddress></UserAddressInformation>
 <UserPrivilege><AgencyId>A</AgencyId><AgencyUserPrivilegeType>GRAD</AgencyUserPrivilegeType>
  <UserPrivilegeStatus><UserPrivilegeStatusType>Active</UserPrivilegeStatusType>
  </UserPrivilegeStatus></UserPrivilege>
 <UserPrivilege><AgencyId>A</AgencyId><AgencyUserPrivilegeType>STATUS</AgencyUserPrivilegeType>
  <UserPrivilegeStatus><UserPrivilegeStatusType>BLOCKED</UserPrivilegeStatusType>
  </UserPrivilegeStatus></UserPrivilege>
</UserOptionalFields></LookupUserResponse></NCIPMessage>"""


def test_lookup_user_mapping_without_namespace() -> None:
    info = read_user(parse_response(LOOKUP))
    assert (info.user_id, info.given_name, info.surname) == ("u1", "Jane", "Doe")
    assert info.email == "j@x.org"
    assert info.blocked
    assert info.profile == "GRAD"  # no PROFILE privilege: the key whose status is active


def test_ncip1_processing_error() -> None:
    body = b"""<NCIPMessage version="http://www.niso.org/ncip/v1_0/imp1/dtd/ncip_v1_0.dtd">
    <CheckInItemResponse><Problem><ProcessingError><ProcessingErrorType>
    <Scheme>http://www.niso.org/ncip/v1_0/schemes/processingerrortype/checkinitemprocessingerror.scm
    </Scheme><Value>Item Not Checked Out</Value></ProcessingErrorType>
    <ProcessingErrorElement><ElementName>UniqueItemId</ElementName></ProcessingErrorElement>
    </ProcessingError></Problem></CheckInItemResponse></NCIPMessage>"""
    response = parse_response(body)
    assert [(p.type, p.element) for p in response.problems] == [
        ("Item Not Checked Out", "UniqueItemId")]
    assert already_checked_in(response)


@pytest.mark.parametrize("body", [b"", b"<not-closed", b"<html>503</html>"])
def test_garbage_becomes_a_problem_not_an_exception(body: bytes) -> None:
    response = parse_response(body)
    assert not response.ok
    assert response.reason()
