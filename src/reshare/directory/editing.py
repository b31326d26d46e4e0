"""Changing the directory: a tenant creates, edits and removes its *managed* entries, their
symbols, services and properties. Only the owning tenant may change a managed entry; another
tenant gets 404 as if it did not exist; reference entries change only by sync.

Every function runs inside the caller's unit of work (one transaction) and takes the acting
tenant explicitly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reshare.db import utcnow
from reshare.directory import model
from reshare.directory.model import EntryStatus, EntryType, ServiceType
from reshare.directory.properties import is_local, validate_property
from reshare.directory.service import find_entry, lineage, units_of
from reshare.directory.store import (
    DirectoryEntry,
    DirectoryService,
    DirectorySymbol,
    LocalProperty,
    ServiceAccount,
)
from reshare.errors import Conflict, NotFound, ValidationFailed


@dataclass
class EntryDraft:
    """What a tenant gives to create an entry."""

    type: str
    name: str
    slug: str | None = None
    parent: str | None = None
    description: str = ""
    lms_location_code: str | None = None
    tags: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    services: dict[str, str] = field(default_factory=dict)  # type -> address
    properties: dict[str, str] = field(default_factory=dict)


def owned_entry(session: Session, tenant_id: int, key: str) -> DirectoryEntry:
    """The tenant's managed entry ``key``; 404 for other tenants' entries, 409 for references."""
    entry = find_entry(session, key)
    if entry is not None and entry.status == EntryStatus.REFERENCE:
        raise Conflict(f"{entry.name} is a reference entry learned from {entry.source_url}; "
                       "only its own library changes it (it is refreshed by sync)",
                       code="reference_entry", details={"entry": entry.slug})
    if entry is None or entry.owner_tenant_id != tenant_id:
        raise NotFound(f"no directory entry {key!r} managed by your library; "
                       "`reshare directory list --mine` shows yours",
                       code="unknown_entry", details={"entry": key})
    return entry


def _flush_unique(session: Session, message: str) -> None:
    """Flush; a unique constraint lost to a concurrent writer becomes a 409, not a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(message, code="taken") from None


def touch(session: Session, entry: DirectoryEntry) -> None:
    """Mark the entry (and its parents: their feed document includes it) as changed."""
    now = utcnow()
    for node in lineage(session, entry):
        node.last_modified = now


def _parent(session: Session, tenant_id: int, key: str | None,
            child: EntryType) -> DirectoryEntry | None:
    """The parent of a tenant's entry: one of its own entries, or any consortium it joins."""
    parent = find_entry(session, key) if key else None
    if parent is not None and parent.type != EntryType.CONSORTIUM \
            and parent.owner_tenant_id != tenant_id:
        parent = None
    if key and parent is None:
        raise NotFound(f"parent entry {key!r} not found among your entries (give its slug, id "
                       "or symbol; only a consortium may belong to someone else)",
                       code="unknown_entry", details={"field": "parent"})
    model.check_parent(child, EntryType(parent.type) if parent else None)
    return parent


def _unique_slug(session: Session, wanted: str | None, name: str) -> str:
    if wanted:
        slug = model.check_slug(wanted.strip().lower())
        if session.scalars(select(DirectoryEntry).where(DirectoryEntry.slug == slug)).first():
            raise Conflict(f"the slug {slug!r} is taken; choose another with --slug",
                           details={"slug": slug})
        return slug
    base, n = model.slugify(name), 1
    slug = base
    while session.scalars(select(DirectoryEntry).where(DirectoryEntry.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_entry(session: Session, tenant_id: int, draft: EntryDraft) -> DirectoryEntry:
    kind = model.entry_type(draft.type)
    name = draft.name.strip()
    if not name:
        raise ValidationFailed("a directory entry needs a name", details={"field": "name"})
    parent = _parent(session, tenant_id, draft.parent, kind)
    entry = DirectoryEntry(
        id=str(uuid.uuid4()), slug=_unique_slug(session, draft.slug, name), name=name,
        description=draft.description.strip(), type=kind.value, status=EntryStatus.MANAGED.value,
        parent_id=parent.id if parent else None, owner_tenant_id=tenant_id,
        lms_location_code=(draft.lms_location_code or "").strip() or None,
        tags=model.normalise_tags(draft.tags),
        addresses=[model.normalise_address(a) for a in draft.addresses], properties={},
    )
    session.add(entry)
    _flush_unique(session, f"the slug {entry.slug!r} was just taken; try again")
    for symbol in draft.symbols:
        add_symbol(session, tenant_id, entry.id, symbol)
    for kind_name, address in draft.services.items():
        add_service(session, tenant_id, entry.id, kind_name, address)
    for key, value in draft.properties.items():
        set_property(session, tenant_id, entry.id, key, value)
    touch(session, entry)
    session.flush()
    return entry


EDITABLE = ("name", "description", "lms_location_code", "tags", "addresses", "parent")


def update_entry(session: Session, tenant_id: int, key: str,
                 changes: dict[str, Any]) -> DirectoryEntry:
    """Change some fields; the slug, type and status never change."""
    entry = owned_entry(session, tenant_id, key)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(unknown)}; editable fields: "
                               f"{', '.join(EDITABLE)}", details={"fields": unknown})
    if "name" in changes:
        if not str(changes["name"] or "").strip():
            raise ValidationFailed("a directory entry needs a name", details={"field": "name"})
        entry.name = str(changes["name"]).strip()
    if "description" in changes:
        entry.description = str(changes["description"] or "").strip()
    if "lms_location_code" in changes:
        entry.lms_location_code = str(changes["lms_location_code"] or "").strip() or None
    if "tags" in changes:
        entry.tags = model.normalise_tags(list(changes["tags"] or []))
    if "addresses" in changes:
        entry.addresses = [model.normalise_address(a) for a in changes["addresses"] or []]
    if "parent" in changes:
        _reparent(session, tenant_id, entry, changes["parent"])
    touch(session, entry)
    session.flush()
    return entry


def _reparent(session: Session, tenant_id: int, entry: DirectoryEntry,
              key: str | None) -> None:
    parent = _parent(session, tenant_id, key, EntryType(entry.type))
    if parent is not None and any(n.id == entry.id for n in lineage(session, parent)):
        raise ValidationFailed(f"{parent.name} is a unit of {entry.name}: that would make a "
                               "cycle", details={"field": "parent"})
    entry.parent_id = parent.id if parent else None


def delete_entry(session: Session, tenant_id: int, key: str) -> None:
    entry = owned_entry(session, tenant_id, key)
    units = units_of(session, entry.id)
    if units:
        raise Conflict(f"{entry.name} still has units ({', '.join(u.slug for u in units)}); "
                       "remove or move them first", details={"units": [u.slug for u in units]})
    if entry.parent_id:
        parent = session.get(DirectoryEntry, entry.parent_id)
        if parent is not None:
            touch(session, parent)
    session.delete(entry)
    session.flush()


# --- symbols -------------------------------------------------------------------------------


def check_symbol_free(session: Session, symbol: model.Symbol, entry_id: str) -> None:
    row = session.scalars(select(DirectorySymbol).where(
        DirectorySymbol.authority == symbol.authority,
        DirectorySymbol.symbol == symbol.code)).first()
    if row is not None and row.entry_id != entry_id:
        raise Conflict(f"the symbol {symbol} already belongs to {row.entry.name} "
                       f"({row.entry.slug}); symbols are unique across the directory",
                       code="symbol_taken", details={"symbol": str(symbol)})


def add_symbol(session: Session, tenant_id: int, key: str, raw: str) -> DirectoryEntry:
    entry = owned_entry(session, tenant_id, key)
    symbol = model.parse_symbol(raw)
    check_symbol_free(session, symbol, entry.id)
    if str(symbol) not in [s.text for s in entry.symbols]:
        entry.symbols.append(DirectorySymbol(authority=symbol.authority, symbol=symbol.code))
        touch(session, entry)
        _flush_unique(session, f"the symbol {symbol} was just taken by another entry")
    return entry


def remove_symbol(session: Session, tenant_id: int, key: str, raw: str) -> DirectoryEntry:
    entry = owned_entry(session, tenant_id, key)
    symbol = str(model.parse_symbol(raw))
    row = next((s for s in entry.symbols if s.text == symbol), None)
    if row is None:
        raise NotFound(f"{entry.name} has no symbol {symbol}", code="unknown_symbol")
    entry.symbols.remove(row)
    touch(session, entry)
    session.flush()
    return entry


# --- services ------------------------------------------------------------------------------


def _service_row(session: Session, kind: ServiceType, address: str) -> DirectoryService:
    row = session.scalars(select(DirectoryService).where(
        DirectoryService.type == kind.value, DirectoryService.address == address)).first()
    if row is None:
        row = DirectoryService(type=kind.value, address=address,
                               business_function=model.BUSINESS_FUNCTION[kind])
        session.add(row)
        session.flush()
    return row


def add_service(session: Session, tenant_id: int, key: str, kind_name: str,
                address: str) -> DirectoryEntry:
    """Give the entry a service of that type at ``address`` (replacing one of the same type)."""
    entry = owned_entry(session, tenant_id, key)
    kind = model.service_type(kind_name)
    service = _service_row(session, kind, model.check_service_address(kind, address))
    for account in list(entry.accounts):
        if account.service.type == kind.value:
            entry.accounts.remove(account)
    session.flush()
    entry.accounts.append(ServiceAccount(service=service))
    touch(session, entry)
    session.flush()
    drop_unused_services(session)
    return entry


def remove_service(session: Session, tenant_id: int, key: str, kind_name: str) -> DirectoryEntry:
    entry = owned_entry(session, tenant_id, key)
    kind = model.service_type(kind_name)
    accounts = [a for a in entry.accounts if a.service.type == kind.value]
    if not accounts:
        raise NotFound(f"{entry.name} has no {kind.value} service", code="unknown_service")
    for account in accounts:
        entry.accounts.remove(account)
    touch(session, entry)
    session.flush()
    drop_unused_services(session)
    return entry


def drop_unused_services(session: Session) -> None:
    used = select(ServiceAccount.service_id)
    for row in session.scalars(select(DirectoryService).where(DirectoryService.id.not_in(used))):
        session.delete(row)
    session.flush()


# --- properties ----------------------------------------------------------------------------


def _visible_entry(session: Session, key: str) -> DirectoryEntry:
    entry = find_entry(session, key)
    if entry is None:
        raise NotFound(f"no directory entry {key!r}", code="unknown_entry",
                       details={"entry": key})
    return entry


def set_property(session: Session, tenant_id: int, key: str, name: str,
                 value: str) -> DirectoryEntry:
    """Shared properties: only on your managed entries. Local ones: on any entry, for you."""
    stored = validate_property(name, value)
    if not is_local(name):
        entry = owned_entry(session, tenant_id, key)
        entry.properties = {**(entry.properties or {}), name.strip(): stored}
        touch(session, entry)
        session.flush()
        return entry
    entry = _visible_entry(session, key)
    row = _local_row(session, tenant_id, entry.id, name.strip())
    if row is None:
        session.add(LocalProperty(tenant_id=tenant_id, entry_id=entry.id, key=name.strip(),
                                  value=stored))
    else:
        row.value = stored
    session.flush()
    return entry


def remove_property(session: Session, tenant_id: int, key: str, name: str) -> DirectoryEntry:
    name = name.strip()
    if not is_local(name):
        entry = owned_entry(session, tenant_id, key)
        if name not in (entry.properties or {}):
            raise NotFound(f"{entry.name} has no property {name}", code="unknown_property")
        entry.properties = {k: v for k, v in entry.properties.items() if k != name}
        touch(session, entry)
        session.flush()
        return entry
    entry = _visible_entry(session, key)
    row = _local_row(session, tenant_id, entry.id, name)
    if row is None:
        raise NotFound(f"you have no local property {name} on {entry.name}",
                       code="unknown_property")
    session.delete(row)
    session.flush()
    return entry


def _local_row(session: Session, tenant_id: int, entry_id: str, name: str) -> LocalProperty | None:
    return session.scalars(select(LocalProperty).where(
        LocalProperty.tenant_id == tenant_id, LocalProperty.entry_id == entry_id,
        LocalProperty.key == name)).first()
