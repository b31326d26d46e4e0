"""The engine's entry points built from tenant settings, against a simulator over HTTP, with
location preferences and patron profiles in the tenant's own tables (SQLite and PostgreSQL)."""

from __future__ import annotations

from reshare.lms import preferences
from reshare.lms.adapter import ManualLms, NcipLms
from reshare.lms.availability import (
    CatalogueAvailability,
    ManualAvailability,
    ProxySearcher,
    SruSearcher,
    ZoomSearcher,
)
from reshare.lms.profiles import profile_for
from reshare.lms.service import (
    availability_for_tenant,
    institutional_patron_id,
    lms_for_tenant,
    searcher_for,
)
from reshare.platform import Platform
from reshare.requests.ports import BibQuery
from reshare.settings.service import set_value
from tests.integration.lms.conftest import SimServer
from tests.support.factories import TenantFixture

SWITCHES = ("borrower_check", "check_out_item", "check_in_item", "accept_item",
            "use_request_item")


def _configure(platform: Platform, tenant: TenantFixture, values: dict[str, str]) -> None:
    with platform.db.tenant(tenant.id) as s:
        for key, value in values.items():
            set_value(s, None, key, value)


def _ncip_tenant(platform: Platform, tenant: TenantFixture, sim: SimServer,
                 lms: str = "folio") -> None:
    _configure(platform, tenant, {"host_lms_integration": lms, "ncip_server_address": sim.ncip,
                                  "ncip_from_agency": "SIM", "z3950_server_address": sim.sru,
                                  **dict.fromkeys(SWITCHES, "ncip")})


def test_new_tenant_is_manual_and_never_claims_a_copy(platform: Platform,
                                                       tenant_a: TenantFixture) -> None:
    assert isinstance(lms_for_tenant(platform, tenant_a.id), ManualLms)
    availability = availability_for_tenant(platform, tenant_a.id)
    assert isinstance(availability, ManualAvailability)
    result = availability.find_copy(BibQuery(title="anything"))
    assert not result.available and not result.checked


def test_ncip_lms_from_settings(platform: Platform, tenant_a: TenantFixture,
                                sim_server: SimServer) -> None:
    _ncip_tenant(platform, tenant_a, sim_server)
    lms = lms_for_tenant(platform, tenant_a.id)
    assert isinstance(lms, NcipLms) and lms.profile.name == "folio"
    assert lms.lookup_patron("p-alice").ok
    assert not lms.lookup_patron("p-carol").ok
    with platform.db.tenant(tenant_a.id) as s:
        codes = [e["code"] for e in preferences.list_entries(s, "patron-profiles")]
        assert codes == ["FACULTY"]  # registered when first seen; blocked Carol's is not
        preferences.update_entry(s, "patron-profiles", "FACULTY", {"can_create_requests": False})
    refused = lms.lookup_patron("p-alice")
    assert not refused.ok and "FACULTY" in refused.reason


def test_switches_read_from_settings(platform: Platform, tenant_a: TenantFixture,
                                     sim_server: SimServer) -> None:
    _ncip_tenant(platform, tenant_a, sim_server)
    _configure(platform, tenant_a, {"check_out_item": "none"})
    lms = lms_for_tenant(platform, tenant_a.id)
    result = lms.check_out_item(request_id="R", item_barcode="30001",
                                institutional_patron_id="ILL-INST")
    assert result.ok and result.manual
    assert "30001" not in sim_server.library.loans


def test_availability_ranks_by_staff_preferences(platform: Platform, tenant_a: TenantFixture,
                                                 sim_server: SimServer) -> None:
    _ncip_tenant(platform, tenant_a, sim_server, lms="alma")
    availability = availability_for_tenant(platform, tenant_a.id)
    assert isinstance(availability, CatalogueAvailability)
    first = availability.find_copy(BibQuery(title="dawn of everything"))
    assert first.available and first.copy is not None and first.copy.item_id == "30001"
    with platform.db.tenant(tenant_a.id) as s:
        seen = {e["code"]: e["needs_review"] for e in preferences.list_entries(s, "locations")}
        assert seen == {"Main Library": True, "Science Library": True}
        preferences.update_entry(s, "locations", "Science Library", {"supply_preference": 5})
    second = availability.find_copy(BibQuery(title="dawn of everything"))
    assert second.copy is not None and second.copy.location == "Science Library"
    with platform.db.tenant(tenant_a.id) as s:
        preferences.update_entry(s, "loan-policies", "Reserve", {"lendable": False})
        preferences.update_entry(s, "locations", "Main Library", {"supply_preference": -1})
    none = availability.find_copy(BibQuery(title="dawn of everything"))
    assert not none.available and "set not to lend" in none.reason


def test_shelving_site_preference_overrides(platform: Platform, tenant_a: TenantFixture,
                                            sim_server: SimServer) -> None:
    lib = sim_server.library
    lib.items["30002"].location = "Main Library"
    _ncip_tenant(platform, tenant_a, sim_server, lms="alma")
    availability = availability_for_tenant(platform, tenant_a.id)
    assert availability.find_copy(BibQuery(isbn="9780374157357")).copy.item_id == "30001"  # type: ignore[union-attr]
    with platform.db.tenant(tenant_a.id) as s:
        preferences.set_site_preference(s, "Main Library", "Reserves", 3)
    best = availability.find_copy(BibQuery(isbn="9780374157357"))
    assert best.copy is not None and best.copy.item_id == "30002"


def test_searcher_choice() -> None:
    alma, wms = profile_for("alma"), profile_for("wms")
    assert isinstance(searcher_for(alma, {"z3950_server_address": "z.example:210/db"}),
                      ZoomSearcher)
    assert isinstance(searcher_for(alma, {"z3950_server_address": "https://x/sru"}), SruSearcher)
    proxied = searcher_for(alma, {"z3950_server_address": "z:210/db",
                                  "z3950_proxy_address": "http://proxy:9000"})
    assert isinstance(proxied, ProxySearcher) and proxied.proxy_url == "http://proxy:9000/"
    connector = searcher_for(wms, {"wms_connector_address": "https://c/sru", "wms_api_key": "k",
                                   "wms_registry_id": "128807"})
    assert isinstance(connector, SruSearcher)
    assert connector.extra == {"user": "k", "x-registryId": "128807"}
    assert searcher_for(alma, {}) is None


def test_institutional_patron_falls_back_to_the_setting(platform: Platform,
                                                       tenant_a: TenantFixture) -> None:
    with platform.db.tenant(tenant_a.id) as s:
        assert institutional_patron_id(s, "ISIL:XX-UNKNOWN") is None
        set_value(s, "requests", "default_institutional_patron_id", " ILL-INST ")
        assert institutional_patron_id(s, "ISIL:XX-UNKNOWN") == "ILL-INST"


def test_institutional_patron_from_the_directory(platform: Platform, tenant_a: TenantFixture,
                                                 tenant_b: TenantFixture) -> None:
    from reshare.directory import editing

    with platform.db.tenant(tenant_a.id) as s:  # the requester publishes its entry
        editing.create_entry(s, tenant_a.id, editing.EntryDraft(
            type="institution", name="Alpha University", symbols=["ISIL:US-ALPHA"]))
    with platform.db.tenant(tenant_b.id) as s:  # the supplier keeps its proxy patron for it
        set_value(s, "requests", "default_institutional_patron_id", "ILL-DEFAULT")
        assert institutional_patron_id(s, "ISIL:US-ALPHA") == "ILL-DEFAULT"
        editing.set_property(s, tenant_b.id, "alpha-university", "local_institutionalPatronId",
                             "INST-ALPHA")
        assert institutional_patron_id(s, "isil:us-alpha") == "INST-ALPHA"
        assert institutional_patron_id(s, "ISIL:US-OTHER") == "ILL-DEFAULT"
        assert institutional_patron_id(s, "not a symbol") == "ILL-DEFAULT"
    with platform.db.tenant(tenant_a.id) as s:  # a local property is the supplier's own
        assert institutional_patron_id(s, "ISIL:US-ALPHA") is None
