"""Every validated custom property rejects bad values with a clear message."""

from __future__ import annotations

import pytest

from reshare.directory.properties import (
    KNOWN,
    is_lending,
    is_local,
    parse_headers,
    parse_ratio,
    validate_property,
)
from reshare.errors import ValidationFailed

GOOD = {
    "local_institutionalPatronId": ("ILL-NJSOOS", "ILL-NJSOOS"),
    "folio_location_filter": ("MAIN/STACKS", "MAIN/STACKS"),
    "ALMA_AGENCY_ID": ("01NJ_INST", "01NJ_INST"),
    "policy.ill.loan_policy": ("Lending Physical Only", "lending_physical_only"),
    "policy.ill.InstitutionalLoanToBorrowRatio": (" 2 : 1 ", "2:1"),
    "AdditionalHeaders": ("X-Api-Key:abc, X-Okapi-Tenant: njsoos",
                          "X-Api-Key:abc,X-Okapi-Tenant:njsoos"),
}

BAD = [
    ("local_institutionalPatronId", "ILL PATRON", "without spaces"),
    ("local_institutionalPatronId", "x" * 300, "too long"),
    ("folio_location_filter", "x" * 256, "too long"),
    ("ALMA_AGENCY_ID", "01 NJ", "without spaces"),
    ("policy.ill.loan_policy", "lending sometimes", "lending_all_types, not_lending"),
    ("policy.ill.InstitutionalLoanToBorrowRatio", "2", "loan:borrow"),
    ("policy.ill.InstitutionalLoanToBorrowRatio", "1:0", "above 0"),
    ("policy.ill.InstitutionalLoanToBorrowRatio", "a:b", "e.g. 1:1"),
    ("policy.ill.InstitutionalLoanToBorrowRatio", "-1:2", "loan:borrow"),
    ("AdditionalHeaders", "X-Api-Key", "Name:value pairs"),
    ("AdditionalHeaders", "Bad Name:1", "Name:value pairs"),
    ("AdditionalHeaders", "X-A:", "Name:value pairs"),
    ("AdditionalHeaders", ",", "empty"),
]


def test_every_known_property_is_covered_here() -> None:
    assert set(GOOD) == set(KNOWN)
    assert {key for key, _, _ in BAD} == set(KNOWN)


@pytest.mark.parametrize("key", sorted(GOOD))
def test_good_values_are_normalised(key: str) -> None:
    raw, stored = GOOD[key]
    assert validate_property(key, raw) == stored


@pytest.mark.parametrize("key, value, message", BAD)
def test_bad_values_are_refused_with_a_clear_message(key: str, value: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message) as caught:
        validate_property(key, value)
    assert caught.value.details["key"] == key
    assert key in caught.value.message or "loan policy" in caught.value.message


def test_free_keys_are_allowed_but_names_and_values_are_checked() -> None:
    assert validate_property("url", "https://library.edu") == "https://library.edu"
    assert validate_property("policy.ill.returns", "yes") == "yes"
    with pytest.raises(ValidationFailed, match="property name"):
        validate_property("has space", "x")
    with pytest.raises(ValidationFailed, match="needs a value"):
        validate_property("url", "  ")


def test_local_and_shared_keys() -> None:
    assert is_local("local_institutionalPatronId") and is_local("ALMA_AGENCY_ID")
    assert is_local("folio_location_filter")
    assert not is_local("policy.ill.loan_policy") and not is_local("AdditionalHeaders")
    assert not is_local("anything-else")


def test_helpers_used_by_the_engine() -> None:
    assert parse_ratio("3:2") == (3, 2)
    assert parse_headers("A:1,B:x:y") == {"A": "1", "B": "x:y"}
    assert is_lending({}) and is_lending({"policy.ill.loan_policy": "lending_all_types"})
    assert not is_lending({"policy.ill.loan_policy": "not_lending"})
    assert not is_lending({"policy.ill.loan_policy": "lending_electronic_only"})
