"""The directory through its service layer: tree, symbols, inheritance, resolution,
properties and ownership (tenant B cannot change tenant A's entries)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from reshare.directory import editing, service
from reshare.directory.store import DirectoryService, LocalProperty
from reshare.errors import Conflict, NotFound, ValidationFailed
from reshare.platform import Platform
from tests.integration.directory.helpers import make_entry, make_library


def test_units_form_a_tree_with_type_rules(platform: Platform, lib_a: int) -> None:
    make_entry(platform, lib_a, "consortium", "PALCI", slug="palci")
    make_entry(platform, lib_a, "institution", "Alpha", slug="alpha", parent="palci")
    make_entry(platform, lib_a, "branch", "Alpha Main", slug="alpha-main", parent="alpha")
    make_entry(platform, lib_a, "branch", "Alpha Annex", slug="alpha-annex",
               parent="alpha-main")
    with platform.db.tenant(lib_a) as s:
        annex = service.get_entry(s, "alpha-annex")
        assert [e.slug for e in service.lineage(s, annex)] == [
            "alpha-annex", "alpha-main", "alpha", "palci"]
        assert [u.slug for u in service.units_of(s, service.get_entry(s, "alpha").id)] == [
            "alpha-main"]
        with pytest.raises(ValidationFailed, match="cannot be a unit of a branch"):
            editing.create_entry(s, lib_a, editing.EntryDraft(
                type="institution", name="Wrong", parent="alpha-main"))
        with pytest.raises(ValidationFailed, match="needs a parent"):
            editing.create_entry(s, lib_a, editing.EntryDraft(type="branch", name="Lost"))
        with pytest.raises(ValidationFailed, match="cycle"):
            editing.update_entry(s, lib_a, "alpha-main", {"parent": "alpha-annex"})
        with pytest.raises(Conflict, match="still has units"):
            editing.delete_entry(s, lib_a, "alpha")


def test_slugs_are_unique_and_generated(platform: Platform, lib_a: int) -> None:
    make_entry(platform, lib_a, "institution", "Alpha Library")
    make_entry(platform, lib_a, "institution", "Alpha Library")
    with platform.db.tenant(lib_a) as s:
        assert {e.slug for e in service.list_entries(s)} == {"alpha-library", "alpha-library-2"}
        with pytest.raises(Conflict, match="slug 'alpha-library' is taken"):
            editing.create_entry(s, lib_a, editing.EntryDraft(
                type="institution", name="X", slug="alpha-library"))


def test_symbols_are_unique_across_the_directory_in_any_case(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    taken = "RESHARE:ALPHA already belongs to ALPHA Library"
    with platform.db.tenant(lib_b) as s, pytest.raises(Conflict, match=taken):
        editing.create_entry(s, lib_b, editing.EntryDraft(
            type="institution", name="Beta", symbols=["reshare:alpha"]))
    with platform.db.tenant(lib_a) as s:
        # the same code under another authority is a different symbol
        editing.add_symbol(s, lib_a, "alpha", "isil:us-alpha")
        editing.add_symbol(s, lib_a, "alpha", "ISIL:US-ALPHA")  # already there: no-op
        assert [x.text for x in service.get_entry(s, "alpha").symbols] == [
            "RESHARE:ALPHA", "ISIL:US-ALPHA"]
        with pytest.raises(Conflict, match="already belongs"):
            editing.add_symbol(s, lib_a, "alpha-main", "Reshare:Alpha")
    with platform.db.tenant(lib_b) as s:
        assert service.resolve_symbol(s, "reshare:alpha").entry_slug == "alpha"  # type: ignore


def test_branches_inherit_symbols_and_services_for_resolution(
        platform: Platform, lib_a: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    make_entry(platform, lib_a, "branch", "Science", slug="alpha-sci", parent="alpha",
               symbols=["RESHARE:ALPHASCI"], tags=["pickup"], lms_location_code="SCI")
    with platform.db.tenant(lib_a) as s:
        editing.set_property(s, lib_a, "alpha", "policy.ill.loan_policy", "not lending")
        editing.set_property(s, lib_a, "alpha-sci", "policy.ill.loan_policy",
                             "lending_all_types")
        editing.set_property(s, lib_a, "alpha", "AdditionalHeaders", "X-Key:k1")
        main = service.get_entry(s, "alpha-main")
        assert main.symbols == [] and service.effective_symbols(s, main) == ["RESHARE:ALPHA"]
        sci = service.resolve_symbol(s, "RESHARE:ALPHASCI")
    assert sci is not None
    assert (sci.entry_name, sci.entry_type, sci.institution_name) == (
        "Science", "branch", "ALPHA Library")
    assert sci.institution_symbols == ("RESHARE:ALPHA",)
    assert sci.iso18626_url == "https://alpha.example.edu/iso18626"  # from the institution
    assert sci.properties["policy.ill.loan_policy"] == "lending_all_types"  # branch wins
    assert sci.additional_headers == {"X-Key": "k1"}
    assert sci.is_pickup and sci.lms_location_code == "SCI" and sci.managed
    assert sci.owner_tenant_id == lib_a


def test_resolution_works_from_every_kind_of_unit_of_work(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    for scope in (platform.db.platform(), platform.db.unscoped(), platform.db.tenant(lib_b)):
        with scope as s:
            resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
            assert resolved is not None and resolved.institution_name == "ALPHA Library"
            assert service.tenant_for_symbol(s, "reshare:alpha") == lib_a
            assert service.resolve_symbol(s, "RESHARE:NOBODY") is None
            assert service.resolve_symbol(s, "not a symbol") is None
            assert service.tenant_for_symbol(s, "RESHARE:NOBODY") is None
    with platform.db.unscoped() as s, pytest.raises(NotFound, match="no directory entry has "
                                                                    "the symbol RESHARE:NOBODY"):
        service.require_symbol(s, "reshare:nobody")


def test_symbols_and_pickup_locations_of_a_tenant(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    make_library(platform, lib_b, "BETA")
    make_entry(platform, lib_a, "branch", "Stacks", parent="alpha", symbols=["ISIL:X-1"])
    with platform.db.tenant(lib_a) as s:
        assert service.symbols_of_tenant(s, lib_a) == ["RESHARE:ALPHA", "ISIL:X-1"]
        pickups = service.pickup_locations(s, lib_a)
        assert [(p.slug, p.symbol, p.lms_location_code, p.institution_symbol)
                for p in pickups] == [("alpha-main", "RESHARE:ALPHA", "MAIN", "RESHARE:ALPHA")]
        assert [p.slug for p in service.pickup_locations(s, lib_b)] == ["beta-main"]


def test_tenant_b_cannot_change_or_remove_a_s_entries(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    attempts = [
        (editing.update_entry, ("alpha", {"name": "Hacked"})),
        (editing.delete_entry, ("alpha-main",)),
        (editing.add_symbol, ("alpha", "RESHARE:HACK")),
        (editing.remove_symbol, ("alpha", "RESHARE:ALPHA")),
        (editing.add_service, ("alpha", "iso18626", "https://evil.example/iso18626")),
        (editing.remove_service, ("alpha", "iso18626")),
        (editing.set_property, ("alpha", "policy.ill.loan_policy", "not_lending")),
        (editing.remove_property, ("alpha", "AdditionalHeaders")),
    ]
    for action, args in attempts:
        with platform.db.tenant(lib_b) as s, pytest.raises(NotFound,
                                                                 match="managed by your library"):
            action(s, lib_b, *args)
    with platform.db.tenant(lib_b) as s, pytest.raises(NotFound, match="among your entries"):
        editing.create_entry(s, lib_b, editing.EntryDraft(type="branch", name="Intruder",
                                                           parent="alpha"))
    with platform.db.tenant(lib_a) as s:
        resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
        assert resolved is not None and resolved.entry_name == "ALPHA Library"
        assert [u.slug for u in service.units_of(s, resolved.entry_id)] == ["alpha-main"]
        assert resolved.iso18626_url == "https://alpha.example.edu/iso18626"
        assert resolved.properties == {}
        assert service.find_entry(s, "alpha-main") is not None


def test_local_properties_are_private_to_the_library_that_set_them(
        platform: Platform, lib_a: int, lib_b: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    with platform.db.tenant(lib_b) as s:
        # B lends to A: B records which patron in B's LMS loans to A are checked out to
        editing.set_property(s, lib_b, "alpha", "local_institutionalPatronId", "ILL-ALPHA")
    with platform.db.tenant(lib_b) as s:
        resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
        assert resolved and resolved.properties["local_institutionalPatronId"] == "ILL-ALPHA"
    with platform.db.tenant(lib_a) as s:
        resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
        assert resolved and "local_institutionalPatronId" not in resolved.properties
        editing.set_property(s, lib_a, "alpha", "local_institutionalPatronId", "OWN")
    with platform.db.platform() as s:
        assert len(list(s.scalars(select(LocalProperty)))) == 2
        resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
        assert resolved and "local_institutionalPatronId" not in resolved.properties
    with platform.db.tenant(lib_b) as s:
        editing.remove_property(s, lib_b, "alpha", "local_institutionalPatronId")
        with pytest.raises(NotFound, match="no local property"):
            editing.remove_property(s, lib_b, "alpha", "local_institutionalPatronId")


def test_services_are_shared_by_address_and_dropped_when_unused(
        platform: Platform, lib_a: int) -> None:
    inst, _ = make_library(platform, lib_a, "ALPHA")
    with platform.db.tenant(lib_a) as s:
        editing.add_service(s, lib_a, "alpha-main", "ISO18626",
                            "https://alpha.example.edu/iso18626")
        editing.add_service(s, lib_a, "alpha", "rs_stats", "https://alpha.example.edu/st")
        editing.add_service(s, lib_a, "alpha", "iso18626", "https://new.example.edu/iso")
        assert len(list(s.scalars(select(DirectoryService)))) == 3
        editing.remove_service(s, lib_a, "alpha-main", "iso18626")
        addresses = {x.address for x in s.scalars(select(DirectoryService))}
        assert addresses == {"https://new.example.edu/iso", "https://alpha.example.edu/st"}
        resolved = service.resolve_symbol(s, "RESHARE:ALPHA")
        assert resolved and resolved.rs_stats_url == "https://alpha.example.edu/st"
        with pytest.raises(NotFound, match="no NCIP service"):
            editing.remove_service(s, lib_a, "alpha", "ncip")


def test_update_fields_and_bad_input_changes_nothing(
        platform: Platform, lib_a: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    with platform.db.tenant(lib_a) as s:
        editing.update_entry(s, lib_a, "alpha-main", {
            "name": "Alpha Main Library", "tags": ["Pickup", "delivery"],
            "addresses": [{"type": "shipping", "lines": ["1 Main St"]}]})
    with pytest.raises(ValidationFailed, match="cannot change slug"), \
            platform.db.tenant(lib_a) as s:
        editing.update_entry(s, lib_a, "alpha-main", {"slug": "x", "name": "Y"})
    with pytest.raises(ValidationFailed, match="address type"), platform.db.tenant(lib_a) as s:
        editing.update_entry(s, lib_a, "alpha-main", {
            "name": "Changed", "addresses": [{"type": "moon", "lines": ["x"]}]})
    with platform.db.tenant(lib_a) as s:
        entry = service.get_entry(s, "alpha-main")
        assert entry.name == "Alpha Main Library" and entry.tags == ["delivery", "pickup"]
        assert entry.addresses[0]["lines"] == ["1 Main St"]
