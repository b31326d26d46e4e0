"""Reading the directory: symbol resolution (the interface the engine, ISO 18626 and LMS code
call), a tenant's symbols and pickup locations, lookups and listings.

Every function takes any unit of work (tenant, platform or unscoped): directory entries are
shared reading across the installation. In a tenant unit of work, that tenant's *local*
properties are merged into what it reads; other tenants' never are.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from reshare.db import engine_of
from reshare.directory.model import PICKUP_TAG, EntryStatus, EntryType, parse_symbol
from reshare.directory.properties import parse_headers
from reshare.directory.store import (
    DirectoryEntry,
    DirectoryService,
    DirectorySymbol,
    LocalProperty,
)
from reshare.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class ResolvedSymbol:
    """What a symbol stands for: the entry holding it, its institution and its endpoints."""

    symbol: str
    entry_id: str
    entry_name: str
    entry_type: str
    institution_id: str | None = None
    institution_name: str | None = None
    institution_symbols: tuple[str, ...] = ()
    iso18626_url: str | None = None
    rs_stats_url: str | None = None
    ncip_url: str | None = None
    z3950_address: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    additional_headers: dict[str, str] = field(default_factory=dict)
    managed: bool = False
    owner_tenant_id: int | None = None
    lms_location_code: str | None = None
    is_pickup: bool = False
    entry_slug: str = ""


@dataclass(frozen=True)
class PickupLocation:
    entry_id: str
    slug: str
    name: str
    symbol: str | None  # own symbol, else the nearest parent's
    lms_location_code: str | None
    institution_symbol: str | None


def session_tenant(session: Session) -> int | None:
    scope = session.info.get("tenant_id")
    return scope if isinstance(scope, int) else None


# --- entries and the tree -----------------------------------------------------------------


def find_entry(session: Session, key: str) -> DirectoryEntry | None:
    """An entry by id, slug or one of its own symbols (``AUTH:SYM``)."""
    entry = session.get(DirectoryEntry, key)
    if entry is None:
        entry = session.scalars(select(DirectoryEntry)
                                .where(DirectoryEntry.slug == key.strip().lower())).first()
    if entry is None and ":" in key:
        try:
            sym = parse_symbol(key)
        except ValidationFailed:
            return None
        row = session.scalars(select(DirectorySymbol).where(
            DirectorySymbol.authority == sym.authority, DirectorySymbol.symbol == sym.code)).first()
        entry = row.entry if row is not None else None
    return entry


def get_entry(session: Session, key: str) -> DirectoryEntry:
    entry = find_entry(session, key)
    if entry is None:
        raise NotFound(f"no directory entry {key!r} (give its id, slug or symbol); "
                       "`reshare directory list` shows the entries",
                       code="unknown_entry", details={"entry": key})
    return entry


def lineage(session: Session, entry: DirectoryEntry) -> list[DirectoryEntry]:
    """The entry, then its parent, grandparent... (cycle-safe)."""
    chain, seen = [entry], {entry.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = session.get(DirectoryEntry, chain[-1].parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        chain.append(parent)
    return chain


def units_of(session: Session, entry_id: str) -> list[DirectoryEntry]:
    return list(session.scalars(select(DirectoryEntry).where(DirectoryEntry.parent_id == entry_id)
                                .order_by(DirectoryEntry.name)))


def effective_symbols(session: Session, entry: DirectoryEntry) -> list[str]:
    """The entry's own symbols, or (inherited) those of its nearest parent that has any."""
    for node in lineage(session, entry):
        if node.symbols:
            return [s.text for s in node.symbols]
    return []


def _institution(chain: list[DirectoryEntry]) -> DirectoryEntry | None:
    return next((e for e in chain if e.type == EntryType.INSTITUTION), None)


def _service(chain: list[DirectoryEntry], kind: str) -> str | None:
    """The nearest service of that kind: on the entry itself, else on a parent."""
    for node in chain:
        for account in node.accounts:
            if account.service.type == kind:
                return account.service.address
    return None


def local_properties(session: Session, entry_ids: list[str]) -> dict[str, dict[str, str]]:
    """The calling tenant's local properties per entry id ({} outside a tenant session)."""
    tenant_id = session_tenant(session)
    if tenant_id is None or not entry_ids:
        return {}
    found: dict[str, dict[str, str]] = {}
    rows = session.scalars(select(LocalProperty).where(LocalProperty.entry_id.in_(entry_ids),
                                                       LocalProperty.tenant_id == tenant_id))
    for row in rows:
        found.setdefault(row.entry_id, {})[row.key] = row.value
    return found


def merged_properties(session: Session, chain: list[DirectoryEntry]) -> dict[str, str]:
    """Shared then local properties, from the root down: a unit overrides its parents."""
    local = local_properties(session, [e.id for e in chain])
    merged: dict[str, str] = {}
    for node in reversed(chain):
        merged.update(node.properties or {})
        merged.update(local.get(node.id, {}))
    return merged


# --- the interface other capabilities call ------------------------------------------------


def _symbol_row(session: Session, symbol: str) -> DirectorySymbol | None:
    try:
        sym = parse_symbol(symbol)
    except ValidationFailed:
        return None
    return session.scalars(select(DirectorySymbol).where(
        DirectorySymbol.authority == sym.authority, DirectorySymbol.symbol == sym.code)).first()


def resolve(session: Session, entry: DirectoryEntry, symbol: str) -> ResolvedSymbol:
    chain = lineage(session, entry)
    institution = _institution(chain)
    properties = merged_properties(session, chain)
    headers = properties.get("AdditionalHeaders")
    return ResolvedSymbol(
        symbol=symbol, entry_id=entry.id, entry_name=entry.name, entry_type=entry.type,
        entry_slug=entry.slug,
        institution_id=institution.id if institution else None,
        institution_name=institution.name if institution else None,
        institution_symbols=tuple(effective_symbols(session, institution)) if institution
        else (),
        iso18626_url=_service(chain, "ISO18626"), rs_stats_url=_service(chain, "RS_STATS"),
        ncip_url=_service(chain, "NCIP"), z3950_address=_service(chain, "Z3950"),
        properties=properties,
        additional_headers=parse_headers(headers) if headers else {},
        managed=entry.status == EntryStatus.MANAGED, owner_tenant_id=entry.owner_tenant_id,
        lms_location_code=entry.lms_location_code, is_pickup=PICKUP_TAG in (entry.tags or []),
    )


_RESOLVED = "directory.resolved"
_DIRECTORY_ROWS = (DirectoryEntry, DirectorySymbol, DirectoryService, LocalProperty)


_CHANGED = "directory.changed"
RESOLVED_CACHE_SECONDS = 10.0
# engine -> (tenant scope, symbol) -> (monotonic time, resolved): the engine resolves the
# same few peers on nearly every request; this process's own directory edits clear it at
# once, another process's are seen within RESOLVED_CACHE_SECONDS
_PROCESS_RESOLVED: weakref.WeakKeyDictionary[Any, dict[tuple[Any, str], tuple[
    float, ResolvedSymbol | None]]] = weakref.WeakKeyDictionary()
_RESOLVED_LOCK = threading.Lock()


def resolve_symbol(session: Session, symbol: str) -> ResolvedSymbol | None:
    """``AUTH:SYM`` (any case) → what it stands for, or None when no entry holds it.

    Remembered for the rest of the unit of work (the engine resolves a peer several times
    in one transaction) and for ``RESOLVED_CACHE_SECONDS`` in this process; a flush that
    changes directory rows forgets both.
    """
    memo: dict[str, ResolvedSymbol | None] = session.info.setdefault(_RESOLVED, {})
    key = symbol.strip().upper()
    if key in memo:
        return memo[key]
    shared_key = (session.info.get("tenant_id"), key)
    now = time.monotonic()
    with _RESOLVED_LOCK:
        per_engine = _PROCESS_RESOLVED.setdefault(engine_of(session), {})
        hit = per_engine.get(shared_key)
    if hit is not None and now - hit[0] < RESOLVED_CACHE_SECONDS \
            and not session.info.get(_CHANGED):
        memo[key] = hit[1]
        return hit[1]
    row = _symbol_row(session, symbol)
    memo[key] = found = None if row is None else resolve(session, row.entry, row.text)
    if not session.info.get(_CHANGED):  # never from a unit whose edits may roll back
        with _RESOLVED_LOCK:
            per_engine[shared_key] = (now, found)
    return found


@event.listens_for(Session, "before_flush")
def _forget_resolved(session: Session, flush_context: Any, instances: Any) -> None:
    if any(isinstance(obj, _DIRECTORY_ROWS)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_RESOLVED, None)
        session.info[_CHANGED] = True
        engine = engine_of(session)
        _forget_engine(engine)
        # and again once committed: another unit may have cached the old answer meanwhile
        session.info.setdefault("after_commit", []).append(lambda: _forget_engine(engine))


def _forget_engine(engine: Any) -> None:
    with _RESOLVED_LOCK:
        _PROCESS_RESOLVED.pop(engine, None)


def require_symbol(session: Session, symbol: str) -> ResolvedSymbol:
    parse_symbol(symbol)
    resolved = resolve_symbol(session, symbol)
    if resolved is None:
        raise NotFound(f"no directory entry has the symbol {symbol.strip().upper()}; add it "
                       "with `reshare directory add-symbol`, or sync from the peer that owns it "
                       "(`reshare directory sync`)", code="unknown_symbol",
                       details={"symbol": symbol})
    return resolved


def tenant_for_symbol(session: Session, symbol: str) -> int | None:
    """The tenant owning the managed entry that holds this symbol (incoming message routing)."""
    row = _symbol_row(session, symbol)
    if row is None or row.entry.status != EntryStatus.MANAGED:
        return None
    return row.entry.owner_tenant_id


def managed_entries(session: Session, tenant_id: int) -> list[DirectoryEntry]:
    return list(session.scalars(
        select(DirectoryEntry).where(DirectoryEntry.owner_tenant_id == tenant_id,
                                     DirectoryEntry.status == EntryStatus.MANAGED)
        .order_by(DirectoryEntry.created_at, DirectoryEntry.name)))


_TYPE_ORDER = {EntryType.INSTITUTION: 0, EntryType.CONSORTIUM: 1, EntryType.BRANCH: 2}


def symbols_of_tenant(session: Session, tenant_id: int) -> list[str]:
    """Every symbol of the tenant's managed entries, institutions first."""
    entries = sorted(managed_entries(session, tenant_id),
                     key=lambda e: _TYPE_ORDER.get(EntryType(e.type), 3))
    return [s.text for e in entries for s in e.symbols]


def pickup_locations(session: Session, tenant_id: int) -> list[PickupLocation]:
    """The tenant's managed branches tagged ``pickup``."""
    found = []
    for entry in managed_entries(session, tenant_id):
        if entry.type != EntryType.BRANCH or PICKUP_TAG not in (entry.tags or []):
            continue
        chain = lineage(session, entry)
        institution = _institution(chain)
        own = effective_symbols(session, entry)
        inst = effective_symbols(session, institution) if institution else []
        found.append(PickupLocation(entry.id, entry.slug, entry.name, own[0] if own else None,
                                    entry.lms_location_code, inst[0] if inst else None))
    return sorted(found, key=lambda p: p.name)


def list_entries(session: Session, *, type_: str | None = None, status: str | None = None,
                 tag: str | None = None, owner_tenant_id: int | None = None,
                 text: str | None = None) -> list[DirectoryEntry]:
    query = select(DirectoryEntry).order_by(DirectoryEntry.name)
    if type_:
        query = query.where(DirectoryEntry.type == type_.lower())
    if status:
        query = query.where(DirectoryEntry.status == status.lower())
    if owner_tenant_id is not None:
        query = query.where(DirectoryEntry.owner_tenant_id == owner_tenant_id)
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(func.lower(DirectoryEntry.name).like(like),
                                DirectoryEntry.slug.like(like)))
    entries = list(session.scalars(query))
    if tag:
        entries = [e for e in entries if tag.lower() in (e.tags or [])]
    return entries


def entry_dict(session: Session, entry: DirectoryEntry, *, local: bool = True) -> dict[str, Any]:
    """The API / CLI rendering of an entry (the caller's local properties when ``local``)."""
    parent = session.get(DirectoryEntry, entry.parent_id) if entry.parent_id else None
    own_local = local_properties(session, [entry.id]).get(entry.id, {}) if local else {}
    return {
        "id": entry.id, "slug": entry.slug, "name": entry.name, "type": entry.type,
        "status": entry.status, "description": entry.description,
        "parent": {"id": parent.id, "slug": parent.slug, "name": parent.name} if parent
        else None,
        "units": [{"id": u.id, "slug": u.slug, "name": u.name, "type": u.type}
                  for u in units_of(session, entry.id)],
        "owner_tenant_id": entry.owner_tenant_id, "source_url": entry.source_url,
        "lms_location_code": entry.lms_location_code, "tags": list(entry.tags or []),
        "symbols": [s.text for s in entry.symbols],
        "effective_symbols": effective_symbols(session, entry),
        "services": [{"type": a.service.type, "business_function": a.service.business_function,
                      "address": a.service.address} for a in entry.accounts],
        "addresses": list(entry.addresses or []),
        "properties": dict(entry.properties or {}),
        "local_properties": own_local,
        "last_modified": entry.last_modified.isoformat(),
    }
