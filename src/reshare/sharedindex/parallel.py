"""Parallel preparation for big ISO 2709 loads: worker processes parse records and compute
keys and holdings while this process stores and clusters the previous batch.

Clustering stays in one process (it must see every batch in order); only the CPU-bound,
independent part (pymarc parsing, GoldRush keys) is spread. Workers are started with
``spawn`` so it is safe inside a threaded server too.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from reshare.db import Database
from reshare.sharedindex import ingest, marcio
from reshare.sharedindex.model import HoldingsMapping
from reshare.sharedindex.store import Source

Piece = tuple[marcio.RawRecord | marcio.BadRecord, str | None]


def _prepare_batch(pieces: list[Piece], mapping: HoldingsMapping,
                   matcher: str) -> tuple[list[ingest.Item], ingest.LoadReport]:
    marcio.quiet_pymarc()
    report = ingest.LoadReport()
    items = []
    for piece, local in pieces:
        report.processed += 1
        read = marcio.parse_raw(piece) if isinstance(piece, marcio.RawRecord) else piece
        if isinstance(read, marcio.BadRecord):
            report.bad(read.position, read.reason, read.offset)
            continue
        try:
            item = ingest.prepare(read, mapping, matcher, report, local)
        except Exception as exc:  # noqa: BLE001 - a record must never abort the load
            report.bad(read.position, f"record could not be processed: {exc}")
            continue
        if item is not None:
            items.append(item)
    return items, report


def _batches(pieces: Iterable[Piece], size: int) -> Iterator[list[Piece]]:
    batch: list[Piece] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _merge(total: ingest.LoadReport, part: ingest.LoadReport) -> None:
    total.processed += part.processed
    total.ignored += part.ignored
    total.errors.extend(part.errors[:ingest.MAX_REPORTED - len(total.errors)])


def load_parallel(db: Database, source: Source, pieces: Iterable[Piece], matcher: str,
                  workers: int, progress: Callable[[int], None] | None = None,
                  ) -> ingest.LoadReport:
    """Load raw ISO 2709 pieces (with optional local id overrides) using ``workers``."""
    report = ingest.LoadReport()
    mapping = ingest.mapping_of(source)
    context = multiprocessing.get_context("spawn")
    stored = [0]  # batches stored so far
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Any]] = deque()
        batches = _batches(pieces, ingest.BATCH)
        for batch in batches:
            pending.append(pool.submit(_prepare_batch, batch, mapping, matcher))
            if len(pending) > workers * 2:
                _store(db, source, pending.popleft().result(), report, progress, stored)
        while pending:
            _store(db, source, pending.popleft().result(), report, progress, stored)
    return report


def _store(db: Database, source: Source, result: tuple[list[ingest.Item], ingest.LoadReport],
           report: ingest.LoadReport, progress: Callable[[int], None] | None,
           stored: list[int]) -> None:
    items, part = result
    _merge(report, part)
    if items:
        ingest.apply_batch(db, source.id, items, report)
        stored[0] += 1
        ingest.keep_statistics(db, stored[0])
    if progress is not None:
        progress(part.processed)
