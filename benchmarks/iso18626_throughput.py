"""ISO 18626 throughput on this machine: messages per second through the endpoint alone, and
end to end through outbox → HTTP → endpoint → handler → confirmation → outbox update.

One process: a uvicorn server on a free loopback port serves the node; library ALPHA's outbox
sends requestingAgencyMessages to library BETA on the same node (each is parsed, checked for
duplicates, applied by the recording handler, confirmed and, when logging is on, logged).
Runs on SQLite, and on PostgreSQL too when RESHARE_BENCH_POSTGRES_URL or
RESHARE_TEST_POSTGRES_URL is set. Usage: ``python benchmarks/iso18626_throughput.py [N]``.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reshare import capabilities
from reshare.config import AppSettings
from reshare.db import Base, Database
from reshare.iso18626 import codec, outbox
from reshare.iso18626 import model as m
from reshare.iso18626.handlers import RecordingHandler
from reshare.platform import Platform, build_platform
from reshare.settings import service as settings_service
from reshare.tenancy import service as tenancy
from reshare.web.app import create_app


@contextmanager
def serve(app: object) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off",  # type: ignore[arg-type]
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/iso18626"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def ram(i: int, seq: int) -> m.RequestingAgencyMessage:
    header = m.Header(m.AgencyId.from_symbol("RESHARE:BETA"),
                      m.AgencyId.from_symbol("RESHARE:ALPHA"),
                      m.confirm(None).confirmation_header.timestamp, f"ALPHA-{i}~1")
    return m.RequestingAgencyMessage(header, m.Action.NOTIFICATION, f"note {i}#seq:{seq}#")


def setup(url: str, var: Path) -> tuple[Platform, int]:
    capabilities.load_models()
    db = Database(url)
    Base.metadata.create_all(db.engine)
    platform = build_platform(AppSettings(database_url=url, var_dir=str(var), secret_key="b",
                                          admin_token="b", inprocess_worker=False), db=db)
    # measure the protocol layer (endpoint, idempotency, log, outbox), not the request engine:
    # these notifications belong to no request, which the engine would rightly refuse
    platform.extras["iso18626_handler"] = RecordingHandler()
    ids = {}
    for code in ("ALPHA", "BETA"):
        ids[code] = tenancy.create_tenant(platform.db, code, code).id
        with platform.db.tenant(ids[code]) as session:
            settings_service.set_value(session, None, "local_symbols", f"RESHARE:{code}")
            settings_service.set_value(session, None, "loggingISO18626", "yes")
    return platform, ids["ALPHA"]


def parallel_drain(platform: Platform, workers: int) -> None:
    def loop() -> None:
        while outbox.drain(platform, limit=10):
            pass

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run(label: str, url: str, n: int, var: Path, workers: int = 1) -> None:
    platform, alpha = setup(url, var)
    with serve(create_app(platform=platform, run_jobs=False)) as endpoint:
        with httpx.Client() as client:  # endpoint alone: a client posting one after another
            started = time.perf_counter()
            for i in range(n):
                answer = client.post(endpoint, content=codec.serialize(ram(10**6 + i, 0)))
                assert b"<ill:messageStatus>OK" in answer.content
            direct = n / (time.perf_counter() - started)
        with platform.db.tenant(alpha) as session:  # end to end through the outbox
            for i in range(n):
                outbox.enqueue(session, sender_symbol="RESHARE:ALPHA", peer_symbol="RESHARE:BETA",
                               message=ram(i % (n // 4 or 1), i), request_ref=f"R{i % (n // 4 or 1)}",
                               peer_url=endpoint)
        started = time.perf_counter()
        parallel_drain(platform, workers)
        took = time.perf_counter() - started
        with platform.db.tenant(alpha) as session:
            delivered = len(outbox.items_for(session, status="delivered", limit=n + 1))
    transport = platform.extras.get("iso18626_transport")
    if transport is not None:
        transport.close()
    platform.close()
    print(f"{label}: endpoint alone {direct:.0f} messages/s ({n} sequential posts); "
          f"outbox end to end {delivered / took:.0f} messages/s "
          f"({delivered}/{n} delivered in {took:.1f} s, {workers} dispatcher(s), "
          f"{n // 4 or 1} requests × 4 in order, logging on)")


def postgres_url() -> str | None:
    return os.environ.get("RESHARE_BENCH_POSTGRES_URL") or os.environ.get(
        "RESHARE_TEST_POSTGRES_URL")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", n, Path(tmp))
        admin = postgres_url()
        if admin:
            name = f"reshare_bench_{os.getpid()}"
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(admin).set(database=name).render_as_string(hide_password=False)
                run("PostgreSQL", url, n, Path(tmp))
            finally:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run("PostgreSQL", url, n, Path(tmp), workers=4)
            finally:
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                engine.dispose()


if __name__ == "__main__":
    main()
