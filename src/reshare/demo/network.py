"""Provision the demo libraries exactly as the configuration guide says.

Three libraries on one installation (or spread over several): each a tenant with an admin and a
staff user, a root directory entry with its symbol and ISO 18626 / RS_STATS services, pickup
branches, the request defaults (prefix, institutional patron), an LMS profile whose NCIP and
SRU addresses point at its own simulator, and the shared index. Safe to run again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from reshare.directory import editing
from reshare.directory import service as directory
from reshare.directory.model import EntryType
from reshare.platform import Platform
from reshare.settings import service as settings
from reshare.tenancy import service as tenancy
from reshare.tenancy.model import Role
from reshare.tenancy.store import Tenant

STAFF_PASSWORD = "reshare-demo"


@dataclass(frozen=True)
class DemoLibrary:
    code: str
    name: str
    lms: str  # host_lms_integration profile
    institutional_patron: str  # default_institutional_patron_id ('-' for Alma)
    branches: tuple[tuple[str, str], ...]  # (name, LMS location code); all pickup locations
    ratio: str = "1:1"

    @property
    def symbol(self) -> str:
        return f"RESHARE:{self.code}"

    def pickup_slug(self, branch: int = 0) -> str:
        """Directory slug of a pickup branch (what OpenURLs name as svc.pickupLocation)."""
        return f"{self.code.lower()}-{self.branches[branch][1].lower()}"


LIBRARIES: tuple[DemoLibrary, ...] = (
    DemoLibrary("NJSOOS", "New School Libraries", "folio", "ILL-NJSOOS",
                (("Fogelman Library", "FOGEL"), ("Gimbel Art Library", "GIMBEL"))),
    DemoLibrary("BVCOL", "Brook Valley College Library", "koha", "ILL-BVCOL",
                (("Main Library", "MAIN"),), ratio="2:1"),
    DemoLibrary("RIVU", "Riverside University Library", "alma", "-",
                (("Central Library", "CENTRAL"),), ratio="1:2"),
)


def _tenant_id(platform: Platform, code: str) -> int | None:
    with platform.db.unscoped() as session:
        return session.scalar(select(Tenant.id).where(Tenant.code == code))


def _settings(lib: DemoLibrary, base_url: str, sim_url: str) -> dict[str, str]:
    return {
        "request_id_prefix": f"{lib.code}-",
        "default_institutional_patron_id": lib.institutional_patron,
        "local_symbols": lib.symbol,
        "host_lms_integration": lib.lms,
        "ncip_server_address": f"{sim_url}/ncip",
        "ncip_from_agency": lib.code,
        "borrower_check": "ncip",
        "check_out_item": "ncip",
        "check_in_item": "ncip",
        "accept_item": "ncip",
        "z3950_server_address": f"{sim_url}/sru",
        "shared_index_integration": "folio",
        "network_retry_period": "1",
        "chat_auto_read": "on",
    }


def provision(platform: Platform, lib: DemoLibrary, base_url: str, sim_url: str,
              *, index_url: str | None = None) -> int:
    """Create (or complete) one demo library; returns its tenant id."""
    tenant_id = _tenant_id(platform, lib.code)
    if tenant_id is None:
        tenant_id = tenancy.create_tenant(platform.db, lib.code, lib.name).id
        tenancy.create_user(platform.db, tenant_id, "admin", STAFF_PASSWORD, Role.ADMIN,
                            display_name=f"{lib.code} administrator")
        tenancy.create_user(platform.db, tenant_id, "staff", STAFF_PASSWORD, Role.STAFF,
                            display_name=f"{lib.code} ILL staff")
    with platform.db.tenant(tenant_id) as session:
        values = _settings(lib, base_url, sim_url)
        if index_url:
            values["shared_index_integration"] = "oaipmh"
            values["shared_index_base_url"] = index_url
        for key, value in values.items():
            settings.set_value(session, None, key, value, actor="demo")
        _directory(session, tenant_id, lib, base_url)
    return tenant_id


def _directory(session: object, tenant_id: int, lib: DemoLibrary, base_url: str) -> None:
    slug = lib.code.lower()
    if directory.find_entry(session, slug) is None:  # type: ignore[arg-type]
        editing.create_entry(session, tenant_id, editing.EntryDraft(  # type: ignore[arg-type]
            type=EntryType.INSTITUTION, name=lib.name, slug=slug, symbols=[lib.symbol],
            services={"ISO18626": f"{base_url}/iso18626",
                      "RS_STATS": f"{base_url}/statistics/{lib.code}"},
            properties={"policy.ill.loan_policy": "lending_all_types",
                        "policy.ill.InstitutionalLoanToBorrowRatio": lib.ratio}))
    for index, (name, code) in enumerate(lib.branches):
        branch_slug = lib.pickup_slug(index)
        if directory.find_entry(session, branch_slug) is None:  # type: ignore[arg-type]
            editing.create_entry(session, tenant_id, editing.EntryDraft(  # type: ignore[arg-type]
                type=EntryType.BRANCH, name=name, slug=branch_slug, parent=slug,
                lms_location_code=code, tags=["pickup"]))
