"""Importing a peer's feed as *reference* entries, one transaction per feed.

Rules: a managed entry is never overwritten; an entry whose symbol (or slug) already belongs to
a different entry — here, or twice in the feed — is a conflict, reported and not imported; an
unchanged entry (same ``last_modified``) is left alone; reference entries the feed no longer
lists are removed. A feed that cannot be read or checked imports nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reshare.db import utcnow
from reshare.directory.editing import drop_unused_services
from reshare.directory.feed import FeedEntry
from reshare.directory.model import BUSINESS_FUNCTION, EntryStatus, ServiceType, parse_symbol
from reshare.directory.store import (
    DirectoryEntry,
    DirectoryService,
    DirectorySymbol,
    ServiceAccount,
)


@dataclass
class SyncReport:
    url: str
    status: str = "ok"  # ok | conflicts | error
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped_managed: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _directory(session: Session) -> tuple[dict[str, DirectoryEntry], dict[str, DirectoryEntry],
                                          dict[str, DirectoryEntry]]:
    """The whole directory in three queries: entries by id, by slug, and by symbol."""
    by_id = {e.id: e for e in session.scalars(select(DirectoryEntry))}
    by_slug = {e.slug: e for e in by_id.values()}
    by_symbol = {s.text: by_id[s.entry_id] for e in by_id.values() for s in e.symbols}
    return by_id, by_slug, by_symbol


Rejections = dict[str, dict[str, str]]  # feed entry id -> conflict ({} : kept managed entry)


def _plan(session: Session, url: str, entries: list[FeedEntry],
          report: SyncReport) -> list[FeedEntry]:
    """Which feed entries to import; conflicts and managed entries go in the report."""
    by_id, by_slug, owners = _directory(session)
    rejected: Rejections = {}
    for e in entries:
        local = by_id.get(e.id)
        if local is not None and local.status == EntryStatus.MANAGED:
            report.skipped_managed.append(e.slug)
            rejected[e.id] = {}
    _feed_conflicts(entries, by_slug, rejected)
    _symbol_conflicts(url, entries, owners, rejected)
    report.conflicts.extend(r for r in rejected.values() if r)
    return [e for e in entries if e.id not in rejected]


def _feed_conflicts(entries: list[FeedEntry], by_slug: dict[str, DirectoryEntry],
                    rejected: Rejections) -> None:
    """A slug used here by another entry; a symbol claimed twice within the feed."""
    claims: dict[str, list[str]] = {}
    for e in entries:
        for s in e.symbols if e.id not in rejected else ():
            claims.setdefault(s, []).append(e.slug)
    for e in entries:
        if e.id in rejected:
            continue
        slug_row = by_slug.get(e.slug)
        if slug_row is not None and slug_row.id != e.id:
            rejected[e.id] = {"entry": e.slug, "slug": e.slug,
                              "reason": f"slug already used here by {slug_row.name}"}
        for s in e.symbols:
            if len(claims[s]) > 1:
                rejected[e.id] = {"entry": e.slug, "symbol": s, "reason":
                                  f"claimed by several entries of the feed: {', '.join(claims[s])}"}


def _symbol_conflicts(url: str, entries: list[FeedEntry], owners: dict[str, DirectoryEntry],
                      rejected: Rejections) -> None:
    """A symbol held here by another entry is a conflict, unless it moves between two entries
    of this same feed that are both imported (their old rows go first). Repeat to a fixpoint:
    rejecting one entry can stop another's move."""
    feed_ids = {e.id: e for e in entries}
    changed = True
    while changed:
        changed = False
        for e in entries:
            if e.id in rejected:
                continue
            for s in e.symbols:
                holder = owners.get(s)
                if holder is None or holder.id == e.id:
                    continue
                moving = (holder.source_url == url and holder.id in feed_ids
                          and holder.id not in rejected and s not in feed_ids[holder.id].symbols)
                if not moving:
                    rejected[e.id] = {"entry": e.slug, "symbol": s,
                                      "reason": f"symbol already belongs to {holder.name} "
                                                f"({holder.slug}, {holder.status})"}
                    changed = True
                    break


def _apply_fields(entry: DirectoryEntry, e: FeedEntry, url: str) -> None:
    entry.slug, entry.name, entry.type = e.slug, e.name, e.type
    entry.description, entry.lms_location_code = e.description, e.lms_location_code
    entry.tags, entry.addresses, entry.properties = e.tags, e.addresses, e.properties
    entry.status, entry.owner_tenant_id, entry.source_url = EntryStatus.REFERENCE.value, None, url
    entry.last_modified = e.last_modified or utcnow()


def _service(session: Session, kind: str, address: str) -> DirectoryService:
    row = session.scalars(select(DirectoryService).where(
        DirectoryService.type == kind, DirectoryService.address == address)).first()
    if row is None:
        row = DirectoryService(type=kind, address=address,
                               business_function=BUSINESS_FUNCTION[ServiceType(kind)])
        session.add(row)
        session.flush()
    return row


def _replace_links(session: Session, pairs: list[tuple[DirectoryEntry, FeedEntry]]) -> None:
    """Symbols and services: drop what went away first (symbols may move), then add."""
    for entry, e in pairs:
        for row in [s for s in entry.symbols if s.text not in e.symbols]:
            entry.symbols.remove(row)
        for acc in [a for a in entry.accounts
                    if (a.service.type, a.service.address) not in e.services]:
            entry.accounts.remove(acc)
    session.flush()
    for entry, e in pairs:
        have = {s.text for s in entry.symbols}
        for text in e.symbols:
            if text not in have:
                sym = parse_symbol(text)
                entry.symbols.append(DirectorySymbol(authority=sym.authority, symbol=sym.code))
        have_services = {(a.service.type, a.service.address) for a in entry.accounts}
        for kind, address in e.services:
            if (kind, address) not in have_services:
                entry.accounts.append(ServiceAccount(service=_service(session, kind, address)))
    session.flush()


def _remove_stale(session: Session, url: str, keep: set[str], report: SyncReport) -> None:
    stale = list(session.scalars(select(DirectoryEntry).where(
        DirectoryEntry.source_url == url, DirectoryEntry.status == EntryStatus.REFERENCE,
        DirectoryEntry.id.not_in(keep))))
    stale_ids = {e.id for e in stale}
    for child in session.scalars(select(DirectoryEntry).where(
            DirectoryEntry.parent_id.in_(stale_ids))):
        if child.id not in stale_ids:
            child.parent_id = None
            report.notes.append(f"{child.slug}: its parent is gone from {url}")
    for entry in stale:
        entry.parent_id = None
    session.flush()
    for entry in stale:
        session.delete(entry)
    report.removed = len(stale)
    session.flush()


def import_feed(session: Session, url: str, entries: list[FeedEntry]) -> SyncReport:
    """Import a checked feed in the caller's (platform) unit of work."""
    report = SyncReport(url)
    accepted = _plan(session, url, entries, report)
    pairs: list[tuple[DirectoryEntry, FeedEntry]] = []
    for e in accepted:
        entry = session.get(DirectoryEntry, e.id)
        if entry is not None and entry.source_url == url and e.last_modified is not None \
                and entry.last_modified == e.last_modified:
            report.unchanged += 1
            continue
        if entry is None:
            entry = DirectoryEntry(id=e.id, slug=e.slug, name=e.name, type=e.type,
                                   status=EntryStatus.REFERENCE.value)
            session.add(entry)
            report.created += 1
        else:
            report.updated += 1
        _apply_fields(entry, e, url)
        pairs.append((entry, e))
    session.flush()
    _replace_links(session, pairs)
    for entry, e in pairs:
        parent = session.get(DirectoryEntry, e.parent_id) if e.parent_id else None
        entry.parent_id = parent.id if parent is not None else None
        if e.parent_id and parent is None:
            report.notes.append(f"{e.slug}: parent {e.parent_id} is not known here")
    keep = {e.id for e in entries}
    _remove_stale(session, url, keep, report)
    drop_unused_services(session)
    report.status = "conflicts" if report.conflicts else "ok"
    return report
