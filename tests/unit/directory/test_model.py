"""Pure rules of the directory: symbols, tree rules, slugs, tags, addresses, services."""

from __future__ import annotations

import pytest

from reshare.directory import model
from reshare.directory.model import EntryType, ServiceType
from reshare.errors import ValidationFailed


@pytest.mark.parametrize("raw, expected", [
    ("RESHARE:NJSOOS", "RESHARE:NJSOOS"),
    ("reshare:njsoos", "RESHARE:NJSOOS"),
    ("  Isil:US-NjSoos ", "ISIL:US-NJSOOS"),
    ("OCLC:abc.d/1", "OCLC:ABC.D/1"),
])
def test_symbols_are_upper_case_and_split_on_the_first_colon(raw: str, expected: str) -> None:
    assert str(model.parse_symbol(raw)) == expected


@pytest.mark.parametrize("raw", ["NJSOOS", ":NJSOOS", "RESHARE:", "RE SHARE:X", "A:B C", ""])
def test_malformed_symbols_are_refused_with_the_expected_form(raw: str) -> None:
    with pytest.raises(ValidationFailed, match="AUTHORITY:SYMBOL"):
        model.parse_symbol(raw)


@pytest.mark.parametrize("child, parent", [
    (EntryType.CONSORTIUM, None),
    (EntryType.INSTITUTION, None),
    (EntryType.INSTITUTION, EntryType.CONSORTIUM),
    (EntryType.BRANCH, EntryType.INSTITUTION),
    (EntryType.BRANCH, EntryType.BRANCH),
])
def test_allowed_parents(child: EntryType, parent: EntryType | None) -> None:
    model.check_parent(child, parent)


@pytest.mark.parametrize("child, parent, message", [
    (EntryType.BRANCH, None, "needs a parent"),
    (EntryType.CONSORTIUM, EntryType.INSTITUTION, "root entry"),
    (EntryType.INSTITUTION, EntryType.BRANCH, "cannot be a unit of a branch"),
    (EntryType.INSTITUTION, EntryType.INSTITUTION, "cannot be a unit of a institution"),
])
def test_refused_parents(child: EntryType, parent: EntryType | None, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        model.check_parent(child, parent)


def test_entry_type_is_case_insensitive_and_names_the_choices() -> None:
    assert model.entry_type("Branch") is EntryType.BRANCH
    with pytest.raises(ValidationFailed, match="consortium, institution or branch"):
        model.entry_type("library")


def test_slugs() -> None:
    assert model.slugify("Bibliothèque Centrale / Main") == "bibliotheque-centrale-main"
    assert model.check_slug("njsoos-main") == "njsoos-main"
    with pytest.raises(ValidationFailed, match="slug"):
        model.check_slug("Not A Slug")


def test_tags_are_normalised_and_deduplicated() -> None:
    assert model.normalise_tags(["Pickup", "pickup ", "ship"]) == ["pickup", "ship"]
    with pytest.raises(ValidationFailed, match="tag"):
        model.normalise_tags(["two words"])


def test_addresses_have_a_type_and_lines() -> None:
    address = model.normalise_address({"type": "Shipping", "lines": [" 1 College Ave "],
                                       "country_code": "us"})
    assert address == {"type": "shipping", "label": "Shipping", "lines": ["1 College Ave"],
                       "country_code": "US"}
    with pytest.raises(ValidationFailed, match="address type"):
        model.normalise_address({"type": "home", "lines": ["x"]})
    with pytest.raises(ValidationFailed, match="lines"):
        model.normalise_address({"type": "billing", "lines": []})


@pytest.mark.parametrize("raw, kind", [("iso18626", ServiceType.ISO18626),
                                       ("ISO-18626", ServiceType.ISO18626),
                                       ("rs_stats", ServiceType.RS_STATS),
                                       ("z39.50", ServiceType.Z3950), ("NCIP", ServiceType.NCIP)])
def test_service_types(raw: str, kind: ServiceType) -> None:
    assert model.service_type(raw) is kind


def test_service_addresses_are_checked_per_type() -> None:
    assert model.check_service_address(ServiceType.Z3950, "z.lib.edu:210/cat") == \
        "z.lib.edu:210/cat"
    assert model.check_service_address(ServiceType.ISO18626, "https://x.edu/iso18626")
    with pytest.raises(ValidationFailed, match="http"):
        model.check_service_address(ServiceType.ISO18626, "x.edu/iso18626")
    with pytest.raises(ValidationFailed, match="host:port"):
        model.check_service_address(ServiceType.Z3950, "z.lib.edu")
    with pytest.raises(ValidationFailed, match="unknown service type"):
        model.service_type("smtp")
