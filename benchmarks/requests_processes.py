"""Helper of requests_lifecycles.py: two server processes and parallel lifecycle clients."""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from reshare import capabilities, migrate
from reshare.config import AppSettings
from reshare.directory import editing
from reshare.platform import build_platform
from reshare.settings import service as settings_service
from reshare.tenancy import service as tenancy
from reshare.tenancy.model import Role
from tests.support.servers import free_port, reshare_process

CLIENTS = int(os.environ.get("REQUESTS_BENCH_CLIENTS", "8"))
TOTAL = int(os.environ.get("REQUESTS_BENCH_PROCESS_LIFECYCLES", "80"))


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
    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json()

    def act(self, rid: int, action: str, **params: Any) -> None:
        self.call("POST", f"/requests/{rid}/actions", json={"action": action, "params": params})

    def wait(self, title: str, state: str, role: str, waits: list[float]) -> int:
        started = time.perf_counter()
        while True:
            found = self.call("GET", "/requests", params={"q": title, "role": role})
            if found and found[0]["state"] == state:
                waits.append(time.perf_counter() - started)
                return int(found[0]["id"])
            if time.perf_counter() - started > 120:
                raise RuntimeError(f"{title} never reached {state} ({found})")
            time.sleep(0.05)


def _lifecycle(req: Client, sup: Client, n: int, waits: list[float]) -> None:
    title = f"Bench title {n} {time.monotonic_ns()}"
    rid = req.call("POST", "/requests", json={"title": title, "patron_id": "P"})["id"]
    sid = sup.wait(title, "RES_IDLE", "supplier", waits)
    sup.act(sid, "respondYes", pickLocation="MAIN", callnumber="Q")
    sup.act(sid, "supplierPrintPullSlip")
    sup.act(sid, "supplierCheckInToReshareAndSupplierMarkShipped",
            itemBarcodes=[{"itemId": f"I{n}"}])
    req.wait(title, "REQ_SHIPPED", "requester", waits)
    req.act(rid, "requesterReceived")
    req.act(rid, "patronReturnedItemAndShippedReturn")
    sup.wait(title, "RES_ITEM_RETURNED", "supplier", waits)
    sup.act(sid, "supplierCheckOutOfReshare")
    req.wait(title, "REQ_REQUEST_COMPLETE", "requester", waits)


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
        clients = {}
        for code, (settings, peers, db_url) in plans.items():
            workdir = tmp / code.lower()
            (workdir / "var").mkdir(parents=True, exist_ok=True)
            token = _prepare(db_url, workdir / "var", code, settings, peers)
            stack.enter_context(reshare_process(
                ["serve", "--port", str(ports[code])], workdir, port=ports[code],
                env={"RESHARE_DATABASE_URL": db_url, "RESHARE_SECRET_KEY": "b",
                     "RESHARE_ADMIN_TOKEN": "b"}))
            clients[code] = token
        waits: list[float] = []
        counter = iter(range(TOTAL))
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
        print(f"{label}, two server processes over HTTP: {done} complete lifecycles in "
              f"{took:.1f} s with {CLIENTS} parallel clients = {done / took:.1f} lifecycles/s")
        if waits:
            print(f"  waiting for the peer's message to arrive: median "
                  f"{statistics.median(waits) * 1000:.0f} ms, p90 "
                  f"{sorted(waits)[int(len(waits) * 0.9)] * 1000:.0f} ms per hop")
        for e in errors[:3]:
            print("  error:", e)
