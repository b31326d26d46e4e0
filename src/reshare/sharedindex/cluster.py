"""Clustering: union-find on shared match values, merges, splits and empty clusters.

Rules (see docs/sharedindex.md):
* records sharing any match value are in one cluster, transitively; a value belongs to one
  cluster; when a record links clusters they merge into the oldest live one (its id stays,
  the others are kept as removed and point at it with ``merged_into``);
* when a record leaves a cluster (deleted, or its keys changed) the cluster's values are
  recomputed from its remaining members, and it splits if they no longer connect; the
  biggest part keeps the id;
* a cluster whose last member goes is removed (size 0, served as deleted by OAI-PMH); it
  keeps its values, so a record with the same keys that comes back gets the same id again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select, update

from reshare.db import ScopedSession, utcnow
from reshare.sharedindex import bulk
from reshare.sharedindex.bulk import among, chunks
from reshare.sharedindex.store import BibRecord, Cluster, MatchValue

_records: Table = BibRecord.__table__  # type: ignore[assignment]
_clusters: Table = Cluster.__table__  # type: ignore[assignment]
_values: Table = MatchValue.__table__  # type: ignore[assignment]


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        parent = self.parent.setdefault(node, node)
        while parent != self.parent[parent]:
            self.parent[parent] = self.parent[self.parent[parent]]
            parent = self.parent[parent]
        self.parent[node] = parent
        return parent

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def lookup_values(session: ScopedSession, values: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for condition in among(session, _values.c.value, sorted(set(values))):
        rows = session.execute(select(_values.c.value, _values.c.cluster_id).where(condition))
        found.update({v: c for v, c in rows})
    return found


def new_clusters(session: ScopedSession, count: int,
                 sizes: Sequence[int] | None = None) -> list[int]:
    """``count`` new clusters, datestamped now; ``sizes`` when their members are known (else
    0, and ``refresh`` counts them)."""
    if count == 0:
        return []
    now = utcnow()
    rows = [{"uuid": str(uuid.uuid4()), "datestamp": now, "size": sizes[i] if sizes else 0}
            for i in range(count)]
    ids = bulk.next_ids(session, _clusters, count)
    bulk.insert_rows(session, _clusters, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    return ids


def _live(session: ScopedSession, ids: set[int]) -> set[int]:
    live: set[int] = set()
    for condition in among(session, _clusters.c.id, sorted(ids)):
        live.update(session.scalars(select(_clusters.c.id).where(condition,
                                                                 _clusters.c.size > 0)))
    return live


def merge(session: ScopedSession, into: int, others: Iterable[int]) -> None:
    absorbed = sorted(set(others) - {into})
    if not absorbed:
        return
    for part in chunks(absorbed):
        session.execute(update(_records).where(_records.c.cluster_id.in_(part))
                        .values(cluster_id=into))
        session.execute(update(_values).where(_values.c.cluster_id.in_(part))
                        .values(cluster_id=into))
        session.execute(update(_clusters).where(_clusters.c.merged_into.in_(part))
                        .values(merged_into=into))
        session.execute(update(_clusters).where(_clusters.c.id.in_(part))
                        .values(size=0, merged_into=into))
    session.execute(update(_clusters).where(_clusters.c.id == into).values(merged_into=None))


def assign(session: ScopedSession, keysets: Sequence[list[str]], touched: set[int],
           fresh: set[int] | None = None) -> list[int]:
    """The cluster of each key set (one per record being stored); merges as needed.

    Clusters that existed are added to ``touched`` (``refresh`` recounts them). New clusters
    are created with their size and datestamp already right: they go to ``fresh`` when it is
    given (no refresh needed), else to ``touched``."""
    existing = lookup_values(session, (k for keys in keysets for k in keys))
    uf = UnionFind()
    for i, keys in enumerate(keysets):
        uf.find(("r", i))
        for key in keys:
            uf.union(("r", i), ("c", existing[key]) if key in existing else ("v", key))
    groups: dict[Any, dict[str, set[Any]]] = defaultdict(lambda: {"r": set(), "c": set(),
                                                                 "v": set()})
    for node in list(uf.parent):
        kind, ident = node
        groups[uf.find(node)][kind].add(ident)
    found = {c for g in groups.values() for c in g["c"]}
    live = _live(session, found)
    sizes = [len(g["r"]) for g in groups.values() if not g["c"]]
    created = iter(new_clusters(session, len(sizes), sizes))
    result = [0] * len(keysets)
    new_values: list[dict[str, Any]] = []
    for group in groups.values():
        if group["c"]:
            candidates = sorted(group["c"] & live) or sorted(group["c"])
            target = candidates[0]
            merge(session, target, group["c"])
            touched.update(group["c"])
            touched.add(target)
        else:
            target = next(created)
            (touched if fresh is None else fresh).add(target)
        new_values.extend({"value": v, "cluster_id": target} for v in group["v"])
        for i in group["r"]:
            result[i] = target
    bulk.insert_rows(session, _values, new_values)
    return result


def _components(members: list[tuple[int, list[str]]]) -> list[list[int]]:
    uf = UnionFind()
    for rid, keys in members:
        uf.find(("r", rid))
        for key in keys:
            uf.union(("r", rid), ("v", key))
    parts: dict[Any, list[int]] = defaultdict(list)
    for rid, _ in members:
        parts[uf.find(("r", rid))].append(rid)
    return sorted(parts.values(), key=len, reverse=True)


def recheck(session: ScopedSession, cluster_ids: set[int], touched: set[int]) -> None:
    """Prune values no member carries any more and split clusters that fell apart."""
    for cid in sorted(cluster_ids):
        members = [(rid, keys or []) for rid, keys in session.execute(
            select(_records.c.id, _records.c["keys"]).where(_records.c.cluster_id == cid))]
        touched.add(cid)
        if not members:
            continue  # removed; keeps its values so the same keys bring the same id back
        keys_of = dict(members)
        parts = _components(members)
        carried = {k for _, keys in members for k in keys}
        stored = set(session.scalars(select(_values.c.value).where(_values.c.cluster_id == cid)))
        for part in chunks(sorted(stored - carried)):
            session.execute(delete(_values).where(_values.c.value.in_(part)))
        for part, target in zip(parts[1:], new_clusters(session, len(parts) - 1), strict=True):
            touched.add(target)
            for ids in chunks(part):
                session.execute(update(_records).where(_records.c.id.in_(ids))
                                .values(cluster_id=target))
            moved = sorted({k for rid in part for k in keys_of[rid]})
            for values in chunks(moved):
                session.execute(update(_values).where(_values.c.value.in_(values))
                                .values(cluster_id=target))


def refresh(session: ScopedSession, touched: set[int]) -> None:
    """New sizes and datestamps for every cluster whose membership changed."""
    now = utcnow()
    counts = (select(func.count()).where(_records.c.cluster_id == _clusters.c.id)
              .scalar_subquery())
    for condition in among(session, _clusters.c.id, sorted(touched)):
        session.execute(update(_clusters).where(condition).values(size=counts, datestamp=now))


def cluster_of_value(session: ScopedSession, value: str) -> int | None:
    return session.scalar(select(_values.c.cluster_id).where(_values.c.value == value))

