"""Tenant codes, user names and passwords."""

from __future__ import annotations

import pytest

from reshare.errors import ValidationFailed
from reshare.tenancy.model import check_password, check_username, normalise_tenant_code


@pytest.mark.parametrize(("raw", "code"), [("njsoos", "NJSOOS"), (" Ac-Main ", "AC-MAIN"),
                                           ("US_NJ1", "US_NJ1")])
def test_tenant_codes_are_upper_case(raw: str, code: str) -> None:
    assert normalise_tenant_code(raw) == code


@pytest.mark.parametrize("raw", ["", "A", "-ABC", "has space", "ÜNICODE", "X" * 33, "A:B"])
def test_bad_tenant_codes_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        normalise_tenant_code(raw)


def test_usernames_and_passwords() -> None:
    assert check_username("jane.doe@lib") == "jane.doe@lib"
    with pytest.raises(ValidationFailed):
        check_username("jane doe")
    with pytest.raises(ValidationFailed, match="at least 8"):
        check_password("short")
