"""Directory figures on SQLite: symbol resolution per second, building a feed of a large
network, importing it into a second installation, and re-importing it unchanged."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from reshare import capabilities
from reshare.db import Base, Database
from reshare.directory import editing, service
from reshare.directory.feed import build_feed, read_feed
from reshare.directory.sync import import_feed
from reshare.tenancy import service as tenancy

INSTITUTIONS = 300  # each with two branches: 900 entries


def populate(db: Database) -> int:
    tenant_id = tenancy.create_tenant(db, "BENCH", "Bench Network").id
    with db.tenant(tenant_id) as s:
        for n in range(INSTITUTIONS):
            editing.create_entry(s, tenant_id, editing.EntryDraft(
                type="institution", name=f"Library {n}", slug=f"lib{n}",
                symbols=[f"RESHARE:LIB{n}", f"ISIL:XX-LIB{n}"],
                services={"ISO18626": f"https://lib{n}.example.org/iso18626"},
                properties={"policy.ill.loan_policy": "lending_all_types"}))
            for b in range(2):
                editing.create_entry(s, tenant_id, editing.EntryDraft(
                    type="branch", name=f"Branch {n}.{b}", slug=f"lib{n}-b{b}",
                    parent=f"lib{n}", tags=["pickup"]))
    return tenant_id


def timed(label: str, count: int, func: object) -> None:
    started = time.perf_counter()
    func()  # type: ignore[operator]
    took = time.perf_counter() - started
    print(f"{label}: {took * 1000:.0f} ms" + (f" ({count / took:,.0f}/s)" if count else ""))


def main() -> None:
    capabilities.load_models()
    with tempfile.TemporaryDirectory() as tmp:
        here, there = Database(f"sqlite:///{Path(tmp) / 'a.db'}"), \
            Database(f"sqlite:///{Path(tmp) / 'b.db'}")
        for db in (here, there):
            Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        tenant_id = populate(here)
        print(f"created {INSTITUTIONS * 3} entries through the service layer in "
              f"{time.perf_counter() - started:.1f} s")
        symbols = [f"RESHARE:LIB{n % INSTITUTIONS}" for n in range(2000)]

        def resolve_all() -> None:
            with here.tenant(tenant_id) as s:
                for symbol in symbols:
                    assert service.resolve_symbol(s, symbol) is not None

        timed("resolve_symbol x2000 (one tenant unit of work)", len(symbols), resolve_all)
        document: dict = {}

        def feed() -> None:
            with here.unscoped() as s:
                document.update(build_feed(s, "https://bench.example.org"))

        timed(f"build_feed ({INSTITUTIONS * 3} entries)", INSTITUTIONS * 3, feed)
        entries = read_feed(document)
        url = "https://bench.example.org/directory/feed"
        for label in ("import_feed, first time", "import_feed, unchanged"):
            def run() -> None:
                with there.platform() as s:
                    report = import_feed(s, url, entries)
                    assert report.status == "ok", report.conflicts[:3]

            timed(label, len(entries), run)
        here.dispose()
        there.dispose()


if __name__ == "__main__":
    main()
