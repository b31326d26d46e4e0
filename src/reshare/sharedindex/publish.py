"""One merged MARC record per cluster, in ReShare's shared-index convention.

The first member (by source code, then local id) is the base record. Added to it:
``999 1 0`` with ``$i`` cluster id, ``$m`` every match value, and ``$l``/``$s`` per member;
``999 1 1`` per holding with ``$l`` local bib id, ``$s`` AUTH:SYMBOL, ``$p`` LOANABLE or
UNLOANABLE, ``$a`` location, ``$c`` call number, ``$y`` item id, ``$i`` library name. A member
without holdings fields still holds the title: it gets one ``999 1 1`` (lendable).
"""

from __future__ import annotations

from typing import Any

import pymarc
from sqlalchemy import select

from reshare.db import ScopedSession
from reshare.sharedindex import marcio
from reshare.sharedindex.search import members
from reshare.sharedindex.store import BibRecord, Cluster, MatchValue, Source

LOANABLE, UNLOANABLE = "LOANABLE", "UNLOANABLE"


def _holding_field(local_id: str, symbol: str, name: str, h: dict[str, Any]) -> pymarc.Field:
    subs = [pymarc.Subfield("l", local_id), pymarc.Subfield("s", symbol),
            pymarc.Subfield("p", LOANABLE if h.get("lendable", True) else UNLOANABLE)]
    for code, key in (("a", "location"), ("c", "call_number"), ("y", "item_id")):
        if h.get(key):
            subs.append(pymarc.Subfield(code, str(h[key])))
    if name:
        subs.append(pymarc.Subfield("i", name))
    return pymarc.Field(tag="999", indicators=pymarc.Indicators("1", "1"), subfields=subs)


def merged_records(session: ScopedSession, clusters: list[Cluster]) -> dict[int, pymarc.Record]:
    """The merged record of each live cluster (removed clusters are left out)."""
    live = [c for c in clusters if c.size > 0]
    parts = members(session, [c.id for c in live])
    names = dict(session.execute(select(Source.code, Source.name)).all())
    result: dict[int, pymarc.Record] = {}
    for c in live:
        group = parts[c.id]
        if not group:
            continue
        base = session.execute(select(BibRecord.fmt, BibRecord.marc).join(Source).where(
            Source.code == group[0].source, BibRecord.local_id == group[0].local_id)).first()
        if base is None:
            continue
        record = marcio.from_storage(base[0], base[1])
        for f in record.get_fields("999"):
            if f.indicators and f.indicators[0] == "1" and f.indicators[1] in "0123":
                record.remove_field(f)
        values = session.scalars(select(MatchValue.value)
                                 .where(MatchValue.cluster_id == c.id)).all()
        subs = [pymarc.Subfield("i", c.uuid)] + [pymarc.Subfield("m", v) for v in sorted(values)]
        for m in group:
            subs += [pymarc.Subfield("l", m.local_id), pymarc.Subfield("s", m.symbol)]
        record.add_ordered_field(pymarc.Field(tag="999", indicators=pymarc.Indicators("1", "0"),
                                              subfields=subs))
        for m in group:
            for h in m.holdings or [{}]:
                record.add_ordered_field(_holding_field(m.local_id, m.symbol,
                                                        names.get(m.source, ""), h))
        result[c.id] = record
    return result


def marcxml(record: pymarc.Record) -> bytes:
    """MARCXML of a record, with characters XML cannot carry removed."""
    for f in record.fields:
        if f.is_control_field():
            f.data = _clean(f.data or "")
        else:
            f.subfields = [pymarc.Subfield(_clean(s.code) or "a", _clean(s.value))
                           for s in f.subfields]
    xml: bytes = pymarc.record_to_xml(record, namespace=True)
    return xml


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20 and
                   ch not in "\ufffe\uffff")
