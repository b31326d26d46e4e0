"""The directory feed: this installation's managed entries as one JSON document (published on
a public route), and the strict reading of a peer's feed before anything is imported.

Only *shared* data is published: local properties live in another table and never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reshare.db import utcnow
from reshare.directory import model
from reshare.directory.model import EntryStatus
from reshare.directory.properties import is_local, validate_property
from reshare.directory.store import DirectoryEntry
from reshare.errors import ReshareError

FEED_FORMAT = "reshare-directory-feed/1"


class FeedError(Exception):
    """A peer's feed cannot be used at all (nothing of it is imported)."""


@dataclass
class FeedEntry:
    id: str
    slug: str
    name: str
    type: str
    parent_id: str | None
    description: str = ""
    lms_location_code: str | None = None
    tags: list[str] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    services: list[tuple[str, str]] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    last_modified: dt.datetime | None = None


def _parents_first(entries: list[DirectoryEntry]) -> list[DirectoryEntry]:
    by_id = {e.id: e for e in entries}
    done: dict[str, DirectoryEntry] = {}

    def visit(entry: DirectoryEntry, depth: int = 0) -> None:
        if entry.id in done or depth > 50:
            return
        if entry.parent_id in by_id:
            visit(by_id[entry.parent_id], depth + 1)
        done[entry.id] = entry

    for entry in sorted(entries, key=lambda e: e.slug):
        visit(entry)
    return list(done.values())


def entry_document(entry: DirectoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "slug": entry.slug, "name": entry.name, "type": entry.type,
        "parent_id": entry.parent_id, "description": entry.description,
        "lms_location_code": entry.lms_location_code, "tags": list(entry.tags or []),
        "addresses": list(entry.addresses or []),
        "symbols": [s.text for s in entry.symbols],
        "services": [{"type": a.service.type, "business_function": a.service.business_function,
                      "address": a.service.address} for a in entry.accounts],
        "properties": {k: v for k, v in (entry.properties or {}).items() if not is_local(k)},
        "last_modified": entry.last_modified.isoformat(),
    }


def build_feed(session: Session, base_url: str) -> dict[str, Any]:
    """Every managed entry of every tenant of this installation, parents before units."""
    entries = list(session.scalars(select(DirectoryEntry).where(
        DirectoryEntry.status == EntryStatus.MANAGED)))
    return {"format": FEED_FORMAT, "installation": base_url,
            "generated_at": utcnow().isoformat(),
            "entries": [entry_document(e) for e in _parents_first(entries)]}


# --- reading a peer's feed -------------------------------------------------------------------


def _text(raw: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{key} must be {'a non-empty ' if required else 'a '}string")
    return value.strip()


def _timestamp(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    stamp = dt.datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _entry_id(raw: dict[str, Any]) -> str:
    value = _text(raw, "id", required=True)
    if len(value) > 36:
        raise ValueError("id is longer than 36 characters")
    return value


def read_entry(raw: Any) -> FeedEntry:
    if not isinstance(raw, dict):
        raise ValueError("an entry must be an object")
    kind = model.entry_type(_text(raw, "type", required=True)).value
    services = []
    for item in raw.get("services") or []:
        service = model.service_type(_text(item, "type", required=True))
        address = model.check_service_address(service, _text(item, "address", required=True))
        services.append((service.value, address))
    properties = {str(k): validate_property(str(k), str(v))
                  for k, v in (raw.get("properties") or {}).items() if not is_local(str(k))}
    return FeedEntry(
        id=_entry_id(raw), slug=model.check_slug(_text(raw, "slug", required=True)),
        name=_text(raw, "name", required=True), type=kind,
        parent_id=_text(raw, "parent_id") or None, description=_text(raw, "description"),
        lms_location_code=_text(raw, "lms_location_code") or None,
        tags=model.normalise_tags(list(raw.get("tags") or [])),
        addresses=[model.normalise_address(a) for a in raw.get("addresses") or []],
        symbols=[str(model.parse_symbol(s)) for s in raw.get("symbols") or []],
        services=services, properties=properties,
        last_modified=_timestamp(raw.get("last_modified")),
    )


def read_feed(document: Any) -> list[FeedEntry]:
    """Check a whole feed; any bad entry makes the feed unusable (raise :class:`FeedError`)."""
    if not isinstance(document, dict) or document.get("format") != FEED_FORMAT:
        raise FeedError(f"not a ReShare directory feed (expected format {FEED_FORMAT!r})")
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        raise FeedError("the feed has no 'entries' list")
    entries, seen = [], set()
    for index, raw in enumerate(raw_entries):
        try:
            entry = read_entry(raw)
        except (ReshareError, ValueError, TypeError, AttributeError) as exc:
            where = raw.get("slug") if isinstance(raw, dict) else None
            message = exc.message if isinstance(exc, ReshareError) else str(exc)
            raise FeedError(f"entry {index} ({where or 'no slug'}) is invalid: {message}") \
                from None
        if entry.id in seen:
            raise FeedError(f"entry id {entry.id} appears twice in the feed")
        seen.add(entry.id)
        entries.append(entry)
    return entries
