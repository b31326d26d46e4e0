"""Demo data: public-domain Library of Congress records with holdings over some libraries.

``load_demo_records(platform, ["RESHARE:NJSOOS", "RESHARE:ACMAIN"])`` creates one source per
symbol (owned by the tenant whose code is the symbol's last part, when there is one) and
loads the 3,000 shipped records so that every record is held by one library, every third by
two, every seventh by all; one copy in ten is not lendable. Safe to call again (upserts).
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources
from typing import Any

import pymarc
from sqlalchemy import select

from reshare.platform import Platform
from reshare.sharedindex import ingest, marcio, service
from reshare.sharedindex.store import Source
from reshare.tenancy.store import Tenant

DEMO_FILE = "demo-loc.mrc.gz"
MAPPING = {"tag": "852", "location": "b", "call_number": "h", "item_id": "p", "policy": "z",
           "unlendable": {"z": "(?i)not for loan.*"}}


@functools.cache
def demo_records() -> list[marcio.ReadRecord]:
    """The shipped records, parsed once per process (callers must not change them)."""
    data = gzip.decompress(resources.files("reshare.sharedindex").joinpath(
        f"data/{DEMO_FILE}").read_bytes())
    return [r for r in marcio.read_marc(data) if isinstance(r, marcio.ReadRecord)]


def holders(position: int, count: int) -> list[int]:
    """Which libraries (by index) hold the record at ``position``: realistic overlap."""
    first = (position // 3) % count
    if position % 7 == 0:
        return list(range(count))
    if position % 3 == 0:
        return sorted({first, (first + 1) % count})
    return [first]


def _ensure_source(platform: Platform, symbol: str) -> str:
    code = symbol.split(":")[-1].upper()
    with platform.db.unscoped() as session:
        exists = session.scalar(select(Source.id).where(Source.code == code))
        tenant = session.scalar(select(Tenant.id).where(Tenant.code == code))
    if exists is None:
        service.create_source(platform.db, code, tenant_id=tenant, symbol=symbol,
                              name=f"{code} (demo)", preset="custom", mapping=MAPPING)
    return code


def local_id(code: str, record: pymarc.Record, position: int) -> str:
    """The demo's local record id of a library: its code and the record's LCCN (001)."""
    control = record.get_fields("001")
    lccn = (control[0].data or "").strip() if control else str(position)
    return f"{code.lower()}-{lccn}"


def barcode(code: str, position: int) -> str:
    """The item barcode of a library's copy of the record at ``position``."""
    return f"{code}{position:06d}"


def _with_holding(record: pymarc.Record, local_id: str, code: str, position: int) -> None:
    for f in record.get_fields("001", "852"):
        record.remove_field(f)
    record.add_ordered_field(pymarc.Field(tag="001", data=local_id))
    call = " ".join(record.get_fields("050")[0].get_subfields("a", "b")) \
        if record.get_fields("050") else ""
    policy = "Not for loan" if position % 10 == 0 else "Available"
    record.add_ordered_field(pymarc.Field(
        tag="852", indicators=pymarc.Indicators("0", " "),
        subfields=[pymarc.Subfield("b", f"{code}-MAIN"), pymarc.Subfield("h", call),
                   pymarc.Subfield("p", barcode(code, position)),
                   pymarc.Subfield("z", policy)]))


def load_demo_records(platform: Platform, symbols: list[str],
                      limit: int | None = None) -> dict[str, Any]:
    """Load the demo records with holdings spread over ``symbols`` (AUTHORITY:SYMBOL).

    ``limit`` loads only the first records (tests)."""
    if not symbols:
        raise ValueError("give at least one library symbol, e.g. ['RESHARE:NJSOOS']")
    codes = [_ensure_source(platform, s) for s in symbols]
    records = demo_records()[:limit]
    loaded: dict[str, int] = {}
    for index, code in enumerate(codes):
        reads = []
        for position, read in enumerate(records):
            if index not in holders(position, len(codes)):
                continue
            record = marcio.from_storage("iso", read.raw or read.record.as_marc())
            _with_holding(record, local_id(code, record, position), code, position)
            reads.append(marcio.ReadRecord(position + 1, record, None))
        report: ingest.LoadReport = service.load_reads(platform.db, code, reads)
        loaded[code] = report.inserted + report.updated
    return {"records": loaded, **{k: v for k, v in service.stats(platform.db).items()
                                  if k in ("clusters", "match_values")}}
