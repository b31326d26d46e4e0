"""Why two records are (or are not) in one cluster: shared keys, the chain linking them, or
the GoldRush components where their keys differ.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy import select

from reshare.db import Database, ScopedSession
from reshare.errors import NotFound, ValidationFailed
from reshare.sharedindex.store import BibRecord, Cluster, Source

COMPONENTS = {
    "goldrush2024": (("title", 70), ("year", 4), ("pagination", 4), ("edition", 3),
                     ("publisher", 5), ("record type", 1), ("title part", 30),
                     ("title number", 10), ("author", 5), ("inclusive dates", 15)),
    "goldrush2021": (("title", 70), ("GMD", 5), ("year", 4), ("pagination", 4),
                     ("edition", 3), ("publisher", 5), ("record type", 1), ("title part", 30),
                     ("title number", 10), ("author", 20), ("inclusive dates", 15)),
}


def split_key(matcher: str, key: str) -> dict[str, str]:
    """A GoldRush key cut into its named components (gov doc number and e/p flag last)."""
    parts: dict[str, str] = {}
    pos = 0
    for name, width in COMPONENTS[matcher]:
        parts[name] = key[pos:pos + width]
        pos += width
    parts["gov doc number"] = key[pos:-1]
    parts["electronic"] = key[-1:]
    return parts


def _record(session: ScopedSession, ref: str) -> tuple[BibRecord, Source]:
    code, sep, local = ref.partition(":")
    if not sep or not local:
        raise ValidationFailed(f"{ref!r}: name a record as SOURCE:LOCALID, e.g. NJSOOS:12345")
    row = session.execute(select(BibRecord, Source).join(Source).where(
        Source.code == code.upper(), BibRecord.local_id == local)).first()
    if row is None:
        raise NotFound(f"no record {local!r} from source {code.upper()} in the shared index")
    return row[0], row[1]


def _chain(session: ScopedSession, cluster_id: int, start: int, goal: int) -> list[dict[str, Any]]:
    """Shortest chain of records from ``start`` to ``goal`` where neighbours share a key."""
    rows = session.execute(select(BibRecord.id, BibRecord.local_id, Source.code,
                                  BibRecord.keys).join(Source)
                           .where(BibRecord.cluster_id == cluster_id)).all()
    by_key: dict[str, list[int]] = {}
    info = {rid: (f"{code}:{local}", set(keys or [])) for rid, local, code, keys in rows}
    for rid, (_, keys) in info.items():
        for key in keys:
            by_key.setdefault(key, []).append(rid)
    previous: dict[int, tuple[int, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        rid = queue.popleft()
        if rid == goal:
            break
        for key in info[rid][1]:
            for other in by_key[key]:
                if other not in previous:
                    previous[other] = (rid, key)
                    queue.append(other)
    steps: list[dict[str, Any]] = []
    node = goal
    while previous.get(node) is not None:
        parent, key = previous[node]  # type: ignore[misc]
        steps.append({"from": info[parent][0], "to": info[node][0], "shared": key})
        node = parent
    return list(reversed(steps))


def _differences(matcher: str, keys_a: list[str], keys_b: list[str]) -> list[dict[str, str]]:
    prefix = f"{matcher}:"
    key_a = next((k[len(prefix):] for k in keys_a if k.startswith(prefix)), None)
    key_b = next((k[len(prefix):] for k in keys_b if k.startswith(prefix)), None)
    if key_a is None or key_b is None:
        return [{"component": "goldrush key", "a": key_a or "(none: no title)",
                 "b": key_b or "(none: no title)"}]
    parts_a, parts_b = split_key(matcher, key_a), split_key(matcher, key_b)
    return [{"component": name, "a": parts_a[name], "b": parts_b[name]}
            for name in parts_a if parts_a[name] != parts_b[name]]


def explain(db: Database, ref_a: str, ref_b: str, matcher: str) -> dict[str, Any]:
    with db.unscoped() as session:
        rec_a, _ = _record(session, ref_a)
        rec_b, _ = _record(session, ref_b)
        shared = sorted(set(rec_a.keys or []) & set(rec_b.keys or []))
        same = rec_a.cluster_id is not None and rec_a.cluster_id == rec_b.cluster_id
        result: dict[str, Any] = {"a": ref_a, "b": ref_b, "same_cluster": same,
                                  "keys_a": rec_a.keys, "keys_b": rec_b.keys,
                                  "shared_keys": shared}
        uuid_of = {c.id: c.uuid for c in session.scalars(select(Cluster).where(
            Cluster.id.in_([rec_a.cluster_id or 0, rec_b.cluster_id or 0])))}
        result["cluster_a"] = uuid_of.get(rec_a.cluster_id or 0)
        result["cluster_b"] = uuid_of.get(rec_b.cluster_id or 0)
        if same and shared:
            result["why"] = f"they share {len(shared)} match value(s): " + ", ".join(shared)
        elif same:
            result["chain"] = _chain(session, rec_a.cluster_id or 0, rec_a.id, rec_b.id)
            result["why"] = ("they share no key themselves but are linked through other "
                             "records of the cluster (see chain)")
        else:
            result["differences"] = _differences(matcher, rec_a.keys or [], rec_b.keys or [])
            result["why"] = ("no match value links them: no shared ISBN/ISSN, and their "
                             f"{matcher} keys differ (see differences)")
        return result
