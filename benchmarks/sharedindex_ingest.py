"""Shared index ingest + clustering and search latency on real Library of Congress records.

Data: the 250,000 LC "Books All" records that ship inside the pymarc 5.4.0 source package on
PyPI, downloaded at run time with pip (pinned version, sha256 checked) and cached in
``var/bench-cache``. The records are spread over several libraries with realistic overlap
(each record held by one library, every third by two, every seventh by all), so clustering
really merges copies. Optional synthetic variants (--variants N) add N edited copies of each
record (changed 001, title suffix) to reach larger scales.

Reports: records/s for ingest + clustering (every copy loaded = one record), the share of
time spent parsing and computing keys versus storing and clustering, and search latency
p50/p95 for keyword, title+author, ISBN and cluster-id lookups.

    python benchmarks/sharedindex_ingest.py [--records 250000] [--libraries 4]
        [--db sqlite,postgresql] [--variants 0] [--queries 200] [--workers 1]

``--workers 1`` (the default, as on a 2-core machine: one core parses, the other stores) has
one worker process parse and key while this process stores and clusters; ``--workers N`` has
N workers; ``--workers 0`` does everything in one process. The CPU time of the storing
process per record is printed too: the machine is shared, so wall-clock rates depend on what
else runs, and the load average is printed after each database.

PostgreSQL runs when RESHARE_BENCH_POSTGRES_URL or RESHARE_TEST_POSTGRES_URL is set (a
scratch database is created and dropped). Environment SHAREDINDEX_BENCH_RECORDS overrides
the default record count (for `make bench`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from reshare import capabilities, migrate
from reshare.db import Database
from reshare.sharedindex import ingest, marcio, model, parallel, search, service
from reshare.sharedindex.demo import holders
from reshare.sharedindex.store import Cluster

PYMARC = "pymarc==5.4.0"
SHA256 = "b2016b1674d1956636c99b9bf95b31840c5cb8f22645672a660e66326371b2f3"
MEMBER = "pymarc-5.4.0/BooksAll.2016.part01.utf8"
CACHE = Path(os.environ.get("RESHARE_VAR_DIR", "var")) / "bench-cache"


def lc_file() -> Path:
    """The 250,000-record LC file, from PyPI's pymarc 5.4.0 sdist (checked, cached)."""
    target = CACHE / "BooksAll.2016.part01.utf8"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / "pymarc-5.4.0.tar.gz"
    if not sdist.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", PYMARC, "-d", str(CACHE), "--quiet"], check=True)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SHA256:
        sdist.unlink()
        raise SystemExit(f"pymarc-5.4.0.tar.gz has sha256 {digest}, expected {SHA256}")
    with tarfile.open(sdist) as tar:
        member = tar.getmember(MEMBER)
        with tar.extractfile(member) as src, open(target, "wb") as dst:  # type: ignore[union-attr]
            while block := src.read(1 << 22):
                dst.write(block)
    return target


def raw_records(path: Path, limit: int) -> list[bytes]:
    found: list[bytes] = []
    with path.open("rb") as f:
        rest = b""
        while len(found) < limit and (block := f.read(1 << 22)):
            parts = (rest + block).split(b"\x1d")
            rest = parts.pop()
            found.extend(p + b"\x1d" for p in parts if p.strip())
    return found[:limit]


def variant(raw: bytes, n: int) -> bytes:
    """An edited copy: other 001, a title suffix (so a different GoldRush key)."""
    record, _ = marcio.parse_iso_record(raw)
    for f in record.get_fields("001"):
        f.data = f"{(f.data or '').strip()}-v{n}"
    for f in record.get_fields("245")[:1]:
        f.add_subfield("n", f"Variant {n}")
    for tag in ("020", "010", "035"):
        for f in record.get_fields(tag):
            record.remove_field(f)
    return record.as_marc()


def copies(raws: list[bytes], index: int, libraries: int) -> Iterator[tuple[int, bytes]]:
    for position, raw in enumerate(raws):
        if index in holders(position, libraries):
            yield position, raw


def prepare_only(raws: list[bytes]) -> float:
    """Seconds to parse and key ``raws`` without storing (where the time goes)."""
    started = time.perf_counter()
    mapping = model.PRESETS["852"]
    report = ingest.LoadReport()
    for i, raw in enumerate(raws):
        record, kept = marcio.parse_iso_record(raw)
        ingest.prepare(marcio.ReadRecord(i, record, kept), mapping, "goldrush2024", report)
    return time.perf_counter() - started


def _parsed(pieces: Iterator[tuple[marcio.RawRecord, str]]) -> Iterator[object]:
    for piece, local in pieces:
        read = marcio.parse_raw(piece)
        yield read if isinstance(read, marcio.BadRecord) else (read, local, False)


def load_all(db: Database, raws: list[bytes], libraries: int,
             workers: int) -> tuple[int, float]:
    codes = [f"LIB{i + 1}" for i in range(libraries)]
    for code in codes:
        service.create_source(db, code, tenant_id=None)
    loaded = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for index, code in enumerate(codes):
        pieces = ((marcio.RawRecord(position + 1, raw, 0), f"{code}-{position}")
                  for position, raw in copies(raws, index, libraries))
        source = service.get_source(db, code)
        if workers > 0:
            report = parallel.load_parallel(db, source, pieces, "goldrush2024", workers)
        else:
            report = ingest.load_items(db, source, _parsed(pieces), "goldrush2024")
        loaded += report.inserted + report.updated
        print(f"  {code}: {report.inserted} records, {report.ignored} skipped, "
              f"{loaded / (time.perf_counter() - started):,.0f} records/s so far", flush=True)
    print(f"  storing process CPU: {(time.process_time() - cpu) / max(loaded, 1) * 1e6:,.0f} "
          "µs per record", flush=True)
    return loaded, time.perf_counter() - started


def latencies(db: Database, raws: list[bytes], count: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    sample = [marcio.parse_iso_record(r)[0] for r in rng.sample(raws, min(count, len(raws)))]
    with db.unscoped() as s:
        cluster_ids = list(s.scalars(select(Cluster.uuid).where(Cluster.size > 0).limit(count)))
    queries: dict[str, list[search.Query]] = {"keyword": [], "title+author": [], "isbn": [],
                                             "cluster id": []}
    for record in sample:
        c = model.contribution(record, model.PRESETS["852"], "goldrush2024")
        words = [w for w in c.title.split() if len(w) > 3][:2]
        if words:
            queries["keyword"].append(search.Query(keyword=" ".join(words)))
            queries["title+author"].append(search.Query(title=words[0],
                                                        author=(c.author.split() or [""])[0]))
        if c.isbns:
            queries["isbn"].append(search.Query(isbn=c.isbns[0]))
    queries["cluster id"] = [search.Query(cluster_id=cid) for cid in cluster_ids]
    timings: dict[str, list[float]] = {}
    for name, qs in queries.items():
        timings[name] = []
        for q in qs[:count]:
            started = time.perf_counter()
            search.search(db, q)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(kind: str, url: str, raws: list[bytes], libraries: int, queries: int,
        workers: int) -> None:
    capabilities.load_models()
    db = Database(url)
    migrate.upgrade(db.engine)
    print(f"\n[{kind}] {len(raws):,} distinct records over {libraries} libraries, "
          f"{workers or 'no'} parsing worker process(es)", flush=True)
    loaded, took = load_all(db, raws, libraries, workers)
    stats = service.stats(db)
    print(f"[{kind}] ingest + clustering: {loaded:,} records in {took:,.1f} s = "
          f"{loaded / took:,.0f} records/s; {stats['clusters']:,} clusters, "
          f"{stats['match_values']:,} match values")
    load = os.getloadavg()
    print(f"[{kind}] load average after ingest {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    timings = latencies(db, raws, queries)
    for name, values in timings.items():
        print(f"[{kind}] search {name:<13} n={len(values):>4}  p50 {pct(values, 50):7.1f} ms"
              f"  p95 {pct(values, 95):7.1f} ms  mean {statistics.fmean(values or [0]):7.1f} ms")
    db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int,
                        default=int(os.environ.get("SHAREDINDEX_BENCH_RECORDS", "250000")))
    parser.add_argument("--libraries", type=int, default=4)
    parser.add_argument("--variants", type=int, default=0)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes parsing and keying records (0 = all in one)")
    args = parser.parse_args()
    raws = raw_records(lc_file(), args.records)
    for n in range(1, args.variants + 1):
        raws += [variant(r, n) for r in raws[:args.records]]
    print(f"{len(raws):,} records ({args.records:,} real LC records + "
          f"{len(raws) - min(args.records, len(raws)):,} synthetic variants)")
    sample = raws[:20000]
    parse_s = prepare_only(sample)
    print(f"parse + match keys + holdings alone: {len(sample) / parse_s:,.0f} records/s "
          f"({len(sample):,}-record sample, one process)")
    kinds = [k.strip() for k in args.db.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in kinds:
            run("sqlite", f"sqlite:///{tmp}/bench.db", raws, args.libraries, args.queries,
                args.workers)
    pg = os.environ.get("RESHARE_BENCH_POSTGRES_URL") or os.environ.get(
        "RESHARE_TEST_POSTGRES_URL")
    if "postgresql" in kinds and pg:
        name = f"reshare_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(pg).set(database=name).render_as_string(hide_password=False)
            run("postgresql", url, raws, args.libraries, args.queries, args.workers)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    elif "postgresql" in kinds:
        print("\n[postgresql] skipped: set RESHARE_BENCH_POSTGRES_URL")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
