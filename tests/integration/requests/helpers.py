"""Two libraries of one installation exchanging messages through the loopback courier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reshare.platform import Platform
from reshare.requests import courier, service
from reshare.requests.model import NewRequest, RequestView
from reshare.requests.ports import Availability, BibQuery, CopyFound
from reshare.settings import service as settings_service
from tests.support.factories import TenantFixture


class ShelfAvailability:
    """A catalogue that has every title except those listed as missing."""

    def __init__(self, missing: set[str] | None = None) -> None:
        self.missing = missing or set()

    def find_copy(self, query: BibQuery) -> Availability:
        if query.title in self.missing:
            return Availability(available=False, reason="no record found")
        return Availability(available=True, copy=CopyFound(location="MAIN", call_number="QA1",
                                                           item_id="B-1"))


def configure(platform: Platform, tenant: TenantFixture, **values: str) -> None:
    with platform.db.tenant(tenant.id) as s:
        for key, value in values.items():
            settings_service.set_value(s, None, key, value)


def drain(platform: Platform, rounds: int = 50) -> int:
    total = 0
    for _ in range(rounds):
        done = courier.deliver_local(platform)
        total += done
        if not done:
            return total
    raise AssertionError("messages keep flowing: a loop between requester and supplier?")


@dataclass
class Pair:
    platform: Platform
    req_tenant: TenantFixture
    sup_tenants: list[TenantFixture]

    def create(self, title: str = "Dune", **kw: Any) -> RequestView:
        data = NewRequest(title=title, author="Herbert", patron_id="P1", **kw)
        view = service.create_request(self.platform, self.req_tenant.id, data, actor="staff")
        drain(self.platform)
        return service.get_request(self.platform, self.req_tenant.id, view.id)

    def act(self, tenant: TenantFixture, request_id: int, action: str,
            **params: Any) -> RequestView:
        service.perform_action(self.platform, tenant.id, request_id, action, params,
                               actor="staff")
        drain(self.platform)
        return service.get_request(self.platform, tenant.id, request_id)

    def requester(self, request_id: int) -> RequestView:
        return service.get_request(self.platform, self.req_tenant.id, request_id)

    def supplier_view(self, tenant: TenantFixture, hrid: str) -> RequestView | None:
        found = [v for v in service.list_requests(self.platform, tenant.id, role="supplier")
                 if v.hrid == hrid]
        if not found:
            return None
        return service.get_request(self.platform, tenant.id, found[0].id)


def make_pair(platform: Platform, requester: TenantFixture, suppliers: list[TenantFixture],
              *, availability: Any = None, **req_settings: str) -> Pair:
    platform.extras["requests.courier"] = "local"
    platform.extras["requests.availability"] = availability or ShelfAvailability()
    routes = ",".join(f"RESHARE:{t.code}" for t in suppliers)
    configure(platform, requester, local_symbols=f"RESHARE:{requester.code}",
              routing_adapter="static", static_routes=routes, request_id_prefix="RQ-",
              **req_settings)
    for t in suppliers:
        configure(platform, t, local_symbols=f"RESHARE:{t.code}")
    return Pair(platform, requester, suppliers)
