"""Routes of the directory: the public feed, reading (any staff), changing your own managed
entries (library admins), friends and sync (platform admin), and the readiness check."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from reshare.directory import crawl, editing, readiness, service
from reshare.directory.feed import build_feed
from reshare.web.deps import PlatformAdmin, PlatformDep, Public, Staff, TenantAdmin

router = APIRouter(tags=["directory"])


class EntryCreate(BaseModel):
    type: str = Field(description="consortium, institution or branch")
    name: str
    slug: str | None = None
    parent: str | None = Field(None, description="Parent's slug, id or symbol")
    description: str = ""
    lms_location_code: str | None = None
    tags: list[str] = []
    symbols: list[str] = Field([], description="AUTHORITY:SYMBOL, e.g. RESHARE:NJSOOS")
    addresses: list[dict[str, Any]] = []
    services: dict[str, str] = Field({}, description="type → address, e.g. ISO18626 → URL")
    properties: dict[str, str] = {}


class SymbolBody(BaseModel):
    symbol: str


class ValueBody(BaseModel):
    value: str


class AddressBody(BaseModel):
    address: str


class FriendBody(BaseModel):
    url: str = Field(description="A peer installation's base URL or feed URL")
    label: str = ""
    every_minutes: int = 240


class SyncBody(BaseModel):
    friend: str | None = Field(None, description="Only this friend (URL or id)")


@router.get("/directory/feed", dependencies=[Public])
def feed(platform: PlatformDep) -> dict[str, Any]:
    """Every managed entry of this installation (shared data only), for peers to crawl."""
    with platform.db.unscoped() as session:
        return build_feed(session, platform.settings.base_url)


@router.get("/directory/entries")
def list_entries(principal: Staff, platform: PlatformDep, type: str | None = None,
                 status: str | None = None, tag: str | None = None, mine: bool = False,
                 q: str | None = None) -> list[dict[str, Any]]:
    """The whole directory (shared reading); ``mine=true``: your managed entries."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        entries = service.list_entries(session, type_=type, status=status, tag=tag, text=q,
                                       owner_tenant_id=principal.tenant_id if mine else None)
        return [service.entry_dict(session, e) for e in entries]


@router.get("/directory/entries/{key}")
def get_entry(key: str, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return service.entry_dict(session, service.get_entry(session, key))


@router.get("/directory/symbols/{symbol}")
def resolve_symbol(symbol: str, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """What ``AUTH:SYM`` stands for: entry, institution, endpoints; 404 when unknown."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return asdict(service.require_symbol(session, symbol))


@router.get("/directory/pickup-locations")
def pickup_locations(principal: Staff, platform: PlatformDep) -> list[dict[str, Any]]:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return [asdict(p) for p in service.pickup_locations(session, principal.tenant_id)]


def _edit(platform: Any, tenant_id: int | None, action: Any, *args: Any) -> dict[str, Any]:
    assert tenant_id is not None
    with platform.db.tenant(tenant_id) as session:
        entry = action(session, tenant_id, *args)
        return service.entry_dict(session, entry)


@router.post("/directory/entries", status_code=status.HTTP_201_CREATED)
def create_entry(body: EntryCreate, principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Create a managed entry of your library."""
    draft = editing.EntryDraft(**body.model_dump())
    return _edit(platform, principal.tenant_id, editing.create_entry, draft)


@router.patch("/directory/entries/{key}")
def update_entry(key: str, body: dict[str, Any], principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Change name, description, lms_location_code, tags, addresses or parent."""
    return _edit(platform, principal.tenant_id, editing.update_entry, key, body)


@router.delete("/directory/entries/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_entry(key: str, principal: TenantAdmin, platform: PlatformDep) -> None:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        editing.delete_entry(session, principal.tenant_id, key)


@router.post("/directory/entries/{key}/symbols", status_code=status.HTTP_201_CREATED)
def add_symbol(key: str, body: SymbolBody, principal: TenantAdmin,
               platform: PlatformDep) -> dict[str, Any]:
    return _edit(platform, principal.tenant_id, editing.add_symbol, key, body.symbol)


@router.delete("/directory/entries/{key}/symbols/{symbol}")
def remove_symbol(key: str, symbol: str, principal: TenantAdmin,
                  platform: PlatformDep) -> dict[str, Any]:
    return _edit(platform, principal.tenant_id, editing.remove_symbol, key, symbol)


@router.put("/directory/entries/{key}/services/{kind}")
def put_service(key: str, kind: str, body: AddressBody, principal: TenantAdmin,
                platform: PlatformDep) -> dict[str, Any]:
    """Set the entry's ISO18626, RS_STATS, NCIP or Z3950 service address."""
    return _edit(platform, principal.tenant_id, editing.add_service, key, kind, body.address)


@router.delete("/directory/entries/{key}/services/{kind}")
def remove_service(key: str, kind: str, principal: TenantAdmin,
                   platform: PlatformDep) -> dict[str, Any]:
    return _edit(platform, principal.tenant_id, editing.remove_service, key, kind)


@router.put("/directory/entries/{key}/properties/{name}")
def put_property(key: str, name: str, body: ValueBody, principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Shared properties on your own entries; local ones (your private notes) on any entry."""
    return _edit(platform, principal.tenant_id, editing.set_property, key, name, body.value)


@router.delete("/directory/entries/{key}/properties/{name}")
def remove_property(key: str, name: str, principal: TenantAdmin,
                    platform: PlatformDep) -> dict[str, Any]:
    return _edit(platform, principal.tenant_id, editing.remove_property, key, name)


@router.get("/tenant/readiness")
def tenant_readiness(principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """The configuration check: every item, whether it is done, and how to fix it."""
    assert principal.tenant_id is not None
    items = readiness.check(platform, principal.tenant_id)
    return {"tenant": principal.tenant_code, "ready": readiness.is_ready(items),
            "items": [i.as_dict() for i in items]}


@router.get("/directory/friends")
def list_friends(_: PlatformAdmin, platform: PlatformDep) -> list[dict[str, Any]]:
    return crawl.list_friends(platform.db)


@router.post("/directory/friends", status_code=status.HTTP_201_CREATED)
def add_friend(body: FriendBody, _: PlatformAdmin, platform: PlatformDep) -> dict[str, Any]:
    """Crawl a peer installation's directory feed from now on."""
    return crawl.add_friend(platform.db, body.url, body.label, body.every_minutes)


@router.delete("/directory/friends/{friend_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_friend(friend_id: int, _: PlatformAdmin, platform: PlatformDep) -> None:
    crawl.remove_friend(platform.db, str(friend_id))


@router.post("/directory/sync")
def sync(body: SyncBody, _: PlatformAdmin, platform: PlatformDep) -> list[dict[str, Any]]:
    """Crawl every friend now (or one); one report per feed."""
    return [r.as_dict() for r in crawl.sync_all(platform.db, body.friend)]
