"""Complete loan lifecycles per second between a requester and a supplier library.

Two measurements. **Processes**: two ``reshare serve`` processes (own databases, free ports)
exchanging ISO 18626 over HTTP, driven through the staff API by parallel clients; this is the
figure the issue asks for. **In-process**: both libraries as tenants of one installation with the
engine's loopback courier, profiled, to show where the engine's own time goes. A lifecycle is:
create → auto WillSupply → pull slip → fill and ship → received → returned and shipped back →
complete (7 staff/system steps, 7 ISO messages, ~25 audit rows). Runs on SQLite and, when
RESHARE_BENCH_POSTGRES_URL or RESHARE_TEST_POSTGRES_URL is set, on PostgreSQL; then prints where
the time goes (cProfile, cumulative, our modules).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reshare import capabilities  # noqa: E402
from reshare.config import AppSettings  # noqa: E402
from reshare.db import Base, Database  # noqa: E402
from reshare.platform import build_platform  # noqa: E402
from reshare.requests import courier, service  # noqa: E402
from reshare.requests.model import NewRequest  # noqa: E402
from tests.integration.requests.helpers import ShelfAvailability, make_pair  # noqa: E402
from tests.support.factories import make_tenant  # noqa: E402

LIFECYCLES = int(os.environ.get("REQUESTS_BENCH_LIFECYCLES", "60"))


def drain(platform: object) -> None:
    while courier.deliver_local(platform):  # type: ignore[arg-type]
        pass


def lifecycle(platform: object, a: int, b: int, n: int) -> None:
    view = service.create_request(platform, a, NewRequest(title=f"Book {n}", patron_id="P"),  # type: ignore[arg-type]
                                  actor="bench")
    drain(platform)
    sup = service.list_requests(platform, b, role="supplier", state="RES_NEW_AWAIT_PULL_SLIP",  # type: ignore[arg-type]
                                limit=1)[0]
    steps = [(b, sup.id, "supplierPrintPullSlip", {}),
             (b, sup.id, "supplierCheckInToReshareAndSupplierMarkShipped",
              {"itemBarcodes": [{"itemId": f"I{n}"}]}),
             (a, view.id, "requesterReceived", {}),
             (a, view.id, "patronReturnedItemAndShippedReturn", {}),
             (b, sup.id, "supplierCheckOutOfReshare", {})]
    for tenant, rid, action, params in steps:
        service.perform_action(platform, tenant, rid, action, params, actor="bench")  # type: ignore[arg-type]
        drain(platform)
    final = service.get_request(platform, a, view.id)  # type: ignore[arg-type]
    assert final.state == "REQ_REQUEST_COMPLETE", final.state


def run(label: str, url: str, var: str) -> None:
    capabilities.load_models()
    db = Database(url)
    Base.metadata.create_all(db.engine)
    platform = build_platform(AppSettings(database_url=url, var_dir=var, secret_key="b",
                                          admin_token="b", inprocess_worker=False), db=db)
    a, b = make_tenant(platform, "BENCHREQ"), make_tenant(platform, "BENCHSUP")
    make_pair(platform, a, [b], availability=ShelfAvailability())
    lifecycle(platform, a.id, b.id, 0)  # warm up
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(1, LIFECYCLES + 1):
        lifecycle(platform, a.id, b.id, n)
    profiler.disable()
    took = time.perf_counter() - started
    print(f"{label}: {LIFECYCLES} complete loan lifecycles in {took:.1f} s = "
          f"{LIFECYCLES / took:.1f} lifecycles/s (in-process, loopback courier)")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"reshare/(requests|db|settings)|sqlalchemy/orm/session.py:\d+\(commit|"
                      r"sqlite3|psycopg", 14)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()][-16:]
    print("  where the time goes (cumulative seconds, top entries):")
    for ln in lines:
        print("   ", ln[:150])
    platform.close()


def main() -> None:
    from benchmarks.requests_processes import run_processes

    pg = os.environ.get("RESHARE_BENCH_POSTGRES_URL") or os.environ.get(
        "RESHARE_TEST_POSTGRES_URL")
    run_processes("SQLite", None)
    if pg:
        run_processes("PostgreSQL", pg)
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", tmp)
    if pg:
        from tests.support.databases import postgres_database

        with postgres_database("reshare_bench_requests") as url, \
                tempfile.TemporaryDirectory() as tmp:
            run("PostgreSQL", url, tmp)
    else:
        print("PostgreSQL: skipped (set RESHARE_BENCH_POSTGRES_URL)")


if __name__ == "__main__":
    main()
