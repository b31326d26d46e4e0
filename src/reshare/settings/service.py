"""Use cases on settings: read (secrets hidden), write (validated), seed, list."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from reshare.changefeed import feed_for
from reshare.db import ScopedSession, engine_of
from reshare.settings.model import lookup, normalise
from reshare.settings.registry import SETTINGS, SettingDef
from reshare.settings.store import SettingValue
from reshare.tenancy.store import Tenant

SECRET_MASK = "********"


@dataclass(frozen=True)
class SettingView:
    definition: SettingDef
    value: str | None  # effective value (stored or default); masked for secrets
    is_set: bool  # a value is stored for this tenant

    def as_dict(self) -> dict[str, object]:
        d = self.definition
        return {
            "section": d.section,
            "key": d.key,
            "label": d.label,
            "type": d.type.value,
            "vocabulary": list(d.vocabulary),
            "default": d.default,
            "description": d.description,
            "secret": d.secret,
            "hidden": d.hidden,
            "value": self.value,
            "is_set": self.is_set,
        }


def _stored(session: ScopedSession) -> dict[str, SettingValue]:
    return {row.key: row for row in session.scalars(select(SettingValue))}


_CACHE = "settings.values"
_CHANGED = "settings.changed"
# engine -> tenant id -> (version, stored values): settings change rarely and are read in
# nearly every transaction; the tenant's settings_version (with its creation time, in case
# a deleted tenant's id is reused) says whether the copy is still good
_PROCESS_CACHE: weakref.WeakKeyDictionary[Any, dict[int, tuple[Any, dict[str, str | None]]]] = (
    weakref.WeakKeyDictionary())
_CACHE_LOCK = threading.Lock()


_VERSION = (select(Tenant.settings_version, Tenant.created_at)
            .where(Tenant.id == bindparam("tenant")))
_VALUES = select(SettingValue.key, SettingValue.value)


def _stored_values(session: ScopedSession) -> dict[str, str | None]:
    """The tenant's stored values: from memory while they are unchanged. On PostgreSQL a
    change is announced to every process (:mod:`reshare.changefeed`), so no query at all;
    elsewhere, or while the feed is not listening, one small query per unit of work
    compares the tenant's version. :func:`set_value` and :func:`seed_defaults` do both."""
    cached = session.info.get(_CACHE)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    tenant_id = session.info.get("tenant_id")
    if not isinstance(tenant_id, int):
        cached = _load(session)
    else:
        engine = engine_of(session)
        feed = feed_for(engine)
        # taken before reading: a change announced while we read makes the copy look older
        # than it is (read again next time), never newer
        mark: Any = feed.stamp(_TOPIC, tenant_id) if feed is not None else None
        if mark is None:
            # pending ORM changes elsewhere cannot change these rows (settings writes mark
            # the unit, and are flushed before reading): no autoflush
            row = session.core(_VERSION, {"tenant": tenant_id},
                               autoflush=bool(session.info.get(_CHANGED))).first()
            mark = ("version", *row) if row is not None else None
        with _CACHE_LOCK:
            per_engine = _PROCESS_CACHE.setdefault(engine, {})
            hit = per_engine.get(tenant_id)
        if hit is not None and mark is not None and hit[0] == mark \
                and not session.info.get(_CHANGED):
            cached = hit[1]
        else:
            cached = _load(session)
            # never from a unit that changed settings: it may still roll back
            if mark is not None and not session.info.get(_CHANGED):
                with _CACHE_LOCK:
                    per_engine[tenant_id] = (mark, cached)
    session.info[_CACHE] = cached
    return cached


def _load(session: ScopedSession) -> dict[str, str | None]:
    return {row.key: row.value for row in session.core(_VALUES)}


def _changed(session: ScopedSession) -> None:
    session.info.pop(_CACHE, None)
    first = not session.info.get(_CHANGED)
    session.info[_CHANGED] = True
    session.execute(update(Tenant).where(Tenant.id == session.tenant_id)
                    .values(settings_version=Tenant.settings_version + 1))
    feed = feed_for(engine_of(session))
    if feed is not None and first:
        feed.announce(session, _TOPIC, session.tenant_id)


_TOPIC = "settings"


def get_value(session: ScopedSession, key: str) -> str | None:
    """The effective value for code that acts on it (secrets included, never shown)."""
    definition = lookup(None, key)
    value = _stored_values(session).get(key)
    return value if value is not None else definition.default


def get_values(session: ScopedSession) -> dict[str, str | None]:
    """All effective values at once, for code reading several settings."""
    stored = _stored_values(session)
    return {d.key: (stored[d.key] if stored.get(d.key) is not None else d.default)
            for d in SETTINGS}


def view(session: ScopedSession, section: str | None, key: str) -> SettingView:
    definition = lookup(section, key)
    row = session.scalars(select(SettingValue).where(SettingValue.key == key)).first()
    return _view(definition, row)


def _view(definition: SettingDef, row: SettingValue | None) -> SettingView:
    is_set = row is not None and row.value is not None
    value = row.value if is_set and row is not None else definition.default
    if definition.secret:
        value = SECRET_MASK if is_set else None
    return SettingView(definition, value, is_set)


def list_views(session: ScopedSession, section: str | None = None) -> list[SettingView]:
    if section is not None:
        from reshare.settings.registry import SECTIONS

        if section not in SECTIONS:
            from reshare.errors import NotFound

            raise NotFound(f"unknown settings section {section!r}", code="unknown_section",
                           details={"sections": list(SECTIONS)})
    stored = _stored(session)
    return [
        _view(d, stored.get(d.key))
        for d in SETTINGS
        if section is None or d.section == section
    ]


def set_value(
    session: ScopedSession, section: str | None, key: str, raw: str | int | bool | None,
    *, actor: str = "",
) -> SettingView:
    """Validate and store a value; ``None``/empty clears it back to the default."""
    definition = lookup(section, key)
    value = normalise(definition, raw)
    row = session.scalars(select(SettingValue).where(SettingValue.key == key)).first()
    if row is None:
        row = SettingValue(section=definition.section, key=key, value=value, updated_by=actor)
        session.add(row)
    else:
        row.value = value
        row.updated_by = actor
    session.flush()
    _changed(session)
    return _view(definition, row)


def seed_defaults(session: ScopedSession, tenant_code: str) -> None:
    """Seed a new tenant: every key gets a row so staff see what there is to configure.

    Keys with a default get it; keys without stay empty (the configuration check lists them).
    """
    existing = _stored(session)
    for d in SETTINGS:
        if d.key not in existing:
            session.add(SettingValue(section=d.section, key=d.key, value=d.default,
                                     updated_by="seed"))
    session.flush()
    _changed(session)
