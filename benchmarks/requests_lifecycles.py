"""Complete loan lifecycles per second between a requester and a supplier library.

Two measurements. **Processes**: two ``reshare serve`` processes (own databases, free ports)
exchanging ISO 18626 over HTTP, driven through the staff API by parallel clients that wait for
the peer's messages with long polls (``GET /requests?wait=``); this is the figure the issue
asks for, with the CPU each process spent per lifecycle. On a machine with two cores or more
each server is pinned to a core of its own (``RESHARE_CPU_AFFINITY``, as docs/operations.md
recommends). Rounds per database: on new databases; 240 lifecycles later (on PostgreSQL after
an ANALYZE, which autovacuum would have done by then) with the pinning undone; then pinned
again, so the two configurations are compared in neighbouring rounds. The shared machine's
speed changes within minutes, and the CPU per lifecycle with it (by half, more than the speed
check shows): compare versions by alternating runs. **In-process**: both libraries as tenants
of one installation, ISO 18626 XML through the outbox and the receiving code without HTTP, in
one thread, profiled, to show the engine's and protocol's own cost. A lifecycle is: create →
WillSupply → pull slip → fill and ship → received → returned and shipped back → complete (7
staff steps, 7 ISO messages). Runs on SQLite and, when RESHARE_BENCH_POSTGRES_URL or
RESHARE_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import cProfile
import http.client
import io
import json as jsonlib
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.requests.helpers import ShelfAvailability, configure  # noqa: E402
from tests.support.factories import make_tenant  # noqa: E402
from tests.support.servers import free_port, reshare_process  # noqa: E402

from reshare import capabilities, migrate  # noqa: E402
from reshare.config import AppSettings  # noqa: E402
from reshare.cpus import set_affinity  # noqa: E402
from reshare.db import Base, Database  # noqa: E402
from reshare.directory import editing  # noqa: E402
from reshare.iso18626 import outbox, receiving  # noqa: E402
from reshare.platform import build_platform  # noqa: E402
from reshare.requests import service  # noqa: E402
from reshare.requests.model import NewRequest  # noqa: E402
from reshare.settings import service as settings_service  # noqa: E402
from reshare.tenancy import service as tenancy  # noqa: E402
from reshare.tenancy.model import Role  # noqa: E402

LIFECYCLES = int(os.environ.get("REQUESTS_BENCH_LIFECYCLES", "60"))


# ------------------------------------------------------------------ two server processes

CLIENTS = int(os.environ.get("REQUESTS_BENCH_CLIENTS", "24"))
TOTAL = int(os.environ.get("REQUESTS_BENCH_PROCESS_LIFECYCLES", "240"))
POLLS = [0]  # long-poll GET /requests calls made while waiting for the peer


def _prepare(url: str, var: Path, code: str, settings: dict[str, str],
             peers: dict[str, str]) -> str:
    platform = build_platform(AppSettings(database_url=url, var_dir=str(var), secret_key="b",
                                          admin_token="b", inprocess_worker=False))
    capabilities.load_models()
    migrate.upgrade(platform.db.engine)
    tenant = tenancy.create_tenant(platform.db, code, code).id
    tenancy.create_user(platform.db, tenant, "staff", "long-enough-password", Role.ADMIN)
    token = tenancy.issue_token(platform.db, tenant, "staff", "bench")
    with platform.db.tenant(tenant) as s:
        for key, value in {"local_symbols": f"RESHARE:{code}", **settings}.items():
            settings_service.set_value(s, None, key, value)
        for peer, peer_url in peers.items():
            editing.create_entry(s, tenant, editing.EntryDraft(
                type="institution", name=peer, slug=peer.lower(), symbols=[f"RESHARE:{peer}"],
                services={"ISO18626": f"{peer_url}/iso18626"}))
    platform.close()
    return token


@contextmanager
def _databases(pg: str | None, tmp: Path) -> Iterator[tuple[str, str]]:
    if pg is None:
        yield (f"sqlite:///{tmp / 'req' / 'var' / 'reshare.db'}",
               f"sqlite:///{tmp / 'sup' / 'var' / 'reshare.db'}")
        return
    from tests.support.databases import postgres_database

    with postgres_database("bench_req") as a, postgres_database("bench_sup") as b:
        yield a, b


class Client:
    """A staff client on one keep-alive connection (``http.client``: the load generator
    shares the machine's two cores with the servers, so it should cost little)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             json: Any = None) -> Any:
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        body, headers = None, self.headers
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the server closed an idle keep-alive connection
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        if r.status >= 400:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
        return jsonlib.loads(data)

    def act(self, rid: int, action: str, **params: Any) -> None:
        self.call("POST", f"/requests/{rid}/actions", json={"action": action, "params": params})

    def wait(self, hrid: str, state: str, role: str, waits: list[float]) -> int:
        """Long-poll until the peer's message has moved the request to ``state``."""
        started = time.perf_counter()
        while True:
            found = self.call("GET", "/requests", params={"hrid": hrid, "role": role,
                                                          "state": state, "wait": 30})
            POLLS[0] += 1
            if found:
                waits.append(time.perf_counter() - started)
                return int(found[0]["id"])
            if time.perf_counter() - started > 120:
                raise RuntimeError(f"{hrid} never reached {state}")


def _lifecycle(req: Client, sup: Client, n: int, waits: list[float]) -> None:
    title = f"Bench title {n} {time.monotonic_ns()}"
    created = req.call("POST", "/requests", json={"title": title, "patron_id": "P"})
    rid, hrid = created["id"], created["hrid"]
    sid = sup.wait(hrid, "RES_IDLE", "supplier", waits)
    sup.act(sid, "respondYes", pickLocation="MAIN", callnumber="Q")
    sup.act(sid, "supplierPrintPullSlip")
    sup.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped",
            itemBarcodes=[{"itemId": f"I{n}"}])
    req.wait(hrid, "REQ_SHIPPED", "requester", waits)
    req.act(rid, "requesterReceived")
    req.act(rid, "patronReturnedItemAndShippedReturn")
    sup.wait(hrid, "RES_ITEM_RETURNED", "supplier", waits)
    sup.act(sid, "supplierCheckOutOfReshare")
    req.wait(hrid, "REQ_REQUEST_COMPLETE", "requester", waits)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc), to report cost per lifecycle:
    it does not count the time a process waits, but it still grows when the shared
    machine is slowed by its neighbours (by half, seen here)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_seconds() -> float | None:
    """CPU of every local PostgreSQL process (server and backends), when it runs here."""
    total, found = 0.0, False
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() != "postgres":
                continue
            total += _cpu_seconds(int(proc.name))
            found = True
        except (OSError, ValueError):  # gone meanwhile, or not ours to read
            continue
    return total if found else None


def run_processes(label: str, pg: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmpdir, ExitStack() as stack:
        tmp = Path(tmpdir)
        urls_db = stack.enter_context(_databases(pg, tmp))
        ports = {"REQ": free_port(), "SUP": free_port()}
        urls = {c: f"http://127.0.0.1:{p}" for c, p in ports.items()}
        plans = {"REQ": ({"routing_adapter": "static", "static_routes": "RESHARE:SUP"},
                         {"SUP": urls["SUP"]}, urls_db[0]),
                 "SUP": ({"iso18626_gateway_address": f"{urls['REQ']}/iso18626",
                          "auto_responder_status": "off"}, {}, urls_db[1])}
        clients: dict[str, str] = {}
        servers: dict[str, Any] = {}
        pins = _pins()
        for code, (settings, peers, db_url) in plans.items():
            workdir = tmp / code.lower()
            (workdir / "var").mkdir(parents=True, exist_ok=True)
            token = _prepare(db_url, workdir / "var", code, settings, peers)
            pin = {"RESHARE_CPU_AFFINITY": str(pins[code])} if code in pins else {}
            servers[code] = stack.enter_context(reshare_process(
                ["serve", "--port", str(ports[code])], workdir, port=ports[code],
                env={"RESHARE_DATABASE_URL": db_url, "RESHARE_SECRET_KEY": "b",
                     "RESHARE_ADMIN_TOKEN": "b", **pin}))
            clients[code] = token
        warm: list[float] = []
        _lifecycle(Client(urls["REQ"], clients["REQ"]), Client(urls["SUP"], clients["SUP"]),
                   -1, warm)  # first calls import and compile; not measured
        pids = {code: server.process.pid for code, server in servers.items()}
        pinned = (", each server pinned to a core of its own (RESHARE_CPU_AFFINITY: "
                  + ", ".join(f"{c} {n}" for c, n in pins.items()) + ")") if pins else ""
        _measure(f"{label}, new databases{pinned}", urls, clients, pids, pg, first=0)
        if pg:
            _analyze(urls_db)
        later = f"{label}, {TOTAL} lifecycles later" + (", after ANALYZE" if pg else "")
        if not pins:
            _measure(later, urls, clients, pids, pg, first=TOTAL)
            return
        # the same servers, unpinned and pinned again: the comparison in neighbouring rounds
        everywhere = os.sched_getaffinity(0)
        for pid in pids.values():
            set_affinity(pid, everywhere)
        _measure(f"{later}, NOT pinned (any thread on any core)", urls, clients, pids, pg,
                 first=TOTAL)
        for code, pid in pids.items():
            set_affinity(pid, {pins[code]})
        _measure(f"{label}, {2 * TOTAL} lifecycles later, pinned again", urls, clients, pids,
                 pg, first=2 * TOTAL)


def _pins() -> dict[str, int]:
    """A core of its own for each server, when this machine lets us use two: the setting
    docs/operations.md recommends when there are as many cores as busy processes."""
    if not hasattr(os, "sched_getaffinity"):
        return {}
    cpus = sorted(os.sched_getaffinity(0))
    return {"REQ": cpus[0], "SUP": cpus[1]} if len(cpus) >= 2 else {}


def _analyze(urls_db: tuple[str, str]) -> None:
    """What PostgreSQL's autovacuum does on its own once a table has grown (within about a
    minute on a new installation): without statistics the planner cannot tell a selective
    index from the tenant's, and the plans a pooled connection prepared while the tables
    were nearly empty are kept for the whole of a short run."""
    from sqlalchemy import create_engine

    for url in urls_db:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()


def _measure(label: str, urls: dict[str, str], clients: dict[str, str], pids: dict[str, int],
             pg: str | None, *, first: int) -> None:
    from benchmarks.run import speed

    pace_before = speed()  # the shared machine's speed changes by half within minutes
    POLLS[0] = 0
    cpu_before = {code: _cpu_seconds(pid) for code, pid in pids.items()}
    pg_before = _postgres_cpu_seconds() if pg else None
    client_before = time.process_time()
    waits: list[float] = []
    counter = iter(range(first, first + TOTAL))
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        req, sup = Client(urls["REQ"], clients["REQ"]), Client(urls["SUP"], clients["SUP"])
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                _lifecycle(req, sup, n, waits)
            except Exception as exc:  # report, keep measuring the others
                errors.append(str(exc)[:300])

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    done = TOTAL - len(errors)
    cpu = {code: _cpu_seconds(pid) - cpu_before[code] for code, pid in pids.items()}
    pg_after = _postgres_cpu_seconds() if pg else None
    client_cpu = time.process_time() - client_before
    print(f"{label}, two server processes over HTTP: {done} complete lifecycles in "
          f"{took:.1f} s with {CLIENTS} parallel clients = {done / took:.1f} lifecycles/s")
    if done:
        per = {code: v / done * 1000 for code, v in cpu.items()}
        total = sum(per.values()) + client_cpu / done * 1000
        server = ""
        if pg_before is not None and pg_after is not None:
            # backends that ended during the run are not counted: a lower bound
            server_ms = (pg_after - pg_before) / done * 1000
            total += server_ms
            server = f", PostgreSQL server at least {server_ms:.0f} ms"
        print(f"  CPU per lifecycle: requester {per['REQ']:.0f} ms, supplier "
              f"{per['SUP']:.0f} ms, benchmark clients {client_cpu / done * 1000:.0f} ms"
              f"{server}; {total:.0f} ms in all, so two otherwise idle cores could do "
              f"about {2000 / total:.1f} lifecycles/s")
    print(f"  machine speed: the fixed pure-Python workload took {pace_before:.2f} s before "
          f"this round and {speed():.2f} s after (lower is faster)")
    print(f"  long polls: {POLLS[0]} GET /requests?wait= in all, "
          f"{POLLS[0] / max(done, 1):.1f} a lifecycle")
    if waits:
        print(f"  waiting for the peer's message to arrive: median "
              f"{statistics.median(waits) * 1000:.0f} ms, p90 "
              f"{sorted(waits)[int(len(waits) * 0.9)] * 1000:.0f} ms per hop")
    for e in errors[:3]:
        print("  error:", e)


class _DirectTransport:
    """The ISO 18626 transport without HTTP: a message goes straight to the receiving code,
    so the in-process figure is the engine and protocol work alone."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform

    def post(self, url: str, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
        answer = receiving.receive(self.platform, body)
        return answer.http_status, answer.body


def drain(platform: Any) -> None:
    while outbox.drain(platform, limit=50):
        pass


def lifecycle(platform: Any, a: int, b: int, n: int) -> None:
    view = service.create_request(platform, a, NewRequest(title=f"Book {n}", patron_id="P"),
                                  actor="bench")
    drain(platform)
    sup = service.list_requests(platform, b, role="supplier", hrid=view.hrid)[0]
    steps = [(b, sup.id, "respondYes", {"pickLocation": "MAIN", "callnumber": "Q"}),
             (b, sup.id, "supplierPrintPullSlip", {}),
             (b, sup.id, "supplierCheckInToReshareAndSupplierMarkShipped",
              {"itemBarcodes": [{"itemId": f"I{n}"}]}),
             (a, view.id, "requesterReceived", {}),
             (a, view.id, "patronReturnedItemAndShippedReturn", {}),
             (b, sup.id, "supplierCheckOutOfReshare", {})]
    for tenant, rid, action, params in steps:
        service.perform_action(platform, tenant, rid, action, params, actor="bench")
        drain(platform)
    final = service.get_request(platform, a, view.id)
    assert final.state == "REQ_REQUEST_COMPLETE", final.state


def run(label: str, url: str, var: str) -> None:
    capabilities.load_models()
    db = Database(url)
    Base.metadata.create_all(db.engine)
    platform = build_platform(AppSettings(database_url=url, var_dir=var, secret_key="b",
                                          admin_token="b", inprocess_worker=False,
                                          outbox_senders=1), db=db)
    platform.extras["requests.courier"] = "iso18626"
    platform.extras["iso18626_transport"] = _DirectTransport(platform)
    platform.extras["requests.availability"] = ShelfAvailability()
    a, b = make_tenant(platform, "BENCHREQ"), make_tenant(platform, "BENCHSUP")
    gateway = "http://in-process/iso18626"
    configure(platform, a, local_symbols="RESHARE:BENCHREQ", routing_adapter="static",
              static_routes="RESHARE:BENCHSUP", iso18626_gateway_address=gateway)
    configure(platform, b, local_symbols="RESHARE:BENCHSUP", iso18626_gateway_address=gateway,
              auto_responder_status="off")
    lifecycle(platform, a.id, b.id, 0)  # warm up
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(1, LIFECYCLES + 1):
        lifecycle(platform, a.id, b.id, n)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{label}: {LIFECYCLES} complete loan lifecycles in {took:.1f} s = "
          f"{LIFECYCLES / took:.1f} lifecycles/s in one thread, {cpu / LIFECYCLES * 1000:.0f} ms "
          "CPU each (in-process: ISO 18626 XML through the outbox and the receiving code, "
          "no HTTP)")
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(LIFECYCLES + 1, LIFECYCLES + 21):
        lifecycle(platform, a.id, b.id, n)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"reshare/(requests|iso18626|db|settings|directory)|"
                      r"sqlalchemy/orm/session.py:\d+\(commit|sqlite3|psycopg", 16)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()][-18:]
    print("  where the time goes (20 more lifecycles under cProfile, cumulative seconds):")
    for ln in lines:
        print("   ", ln[:150])
    platform.close()


def main() -> None:
    pg = os.environ.get("RESHARE_BENCH_POSTGRES_URL") or os.environ.get(
        "RESHARE_TEST_POSTGRES_URL")
    if pg:  # the scratch databases are made by the test helpers, which read this one
        os.environ["RESHARE_TEST_POSTGRES_URL"] = pg
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
