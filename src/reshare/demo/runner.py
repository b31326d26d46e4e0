"""`reshare demo`: bring up the demo network (one installation, or several processes)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from reshare import migrate
from reshare.cli.common import console
from reshare.config import AppSettings
from reshare.demo.network import LIBRARIES, STAFF_PASSWORD, DemoLibrary, provision
from reshare.demo.sims import sim_library
from reshare.errors import ReshareError
from reshare.platform import Platform, build_platform


@dataclass(frozen=True)
class Installation:
    number: int
    port: int
    libraries: tuple[DemoLibrary, ...]
    holds_index: bool  # loads the demo records; the others route through its OAI-PMH

    def url(self, host: str) -> str:
        return f"http://{host}:{self.port}"


def plan(installations: int, port: int) -> list[Installation]:
    if installations <= 1:
        return [Installation(1, port, LIBRARIES, True)]
    groups: list[list[DemoLibrary]] = [[] for _ in range(installations)]
    for i, lib in enumerate(LIBRARIES):
        groups[i % installations].append(lib)
    return [Installation(n + 1, port + n, tuple(g), n == 0) for n, g in enumerate(groups)]


def _index_is_empty(platform: Platform) -> bool:
    from reshare.sharedindex.store import Source

    with platform.db.unscoped() as session:
        return not session.scalar(select(func.count()).select_from(Source))


def prepare(platform: Platform, inst: Installation, host: str, index_url: str | None) -> None:
    """Provision this installation's libraries, records and sample requests (idempotent)."""
    migrate.upgrade(platform.db.engine)
    base = inst.url(host)
    for lib in inst.libraries:
        provision(platform, lib, base, f"{base}/sim/{lib.code}",
                  index_url=None if inst.holds_index else index_url)
    if inst.holds_index and _index_is_empty(platform):
        from reshare.sharedindex.demo import load_demo_records

        console.print("Loading the demo shared index (3,000 Library of Congress records)...")
        started = time.perf_counter()
        report = load_demo_records(platform, [lib.symbol for lib in LIBRARIES])
        console.print(f"  {sum(report['records'].values())} holdings records, "
                      f"{report.get('clusters')} clusters in "
                      f"{time.perf_counter() - started:.0f} s")


def mount_simulators(app: object, inst: Installation) -> None:
    from reshare.lms.sim.app import create_sim_app

    patrons = [lib.institutional_patron for lib in LIBRARIES]
    index = {lib.code: i for i, lib in enumerate(LIBRARIES)}
    for lib in inst.libraries:
        sim = sim_library(lib, index[lib.code], len(LIBRARIES), institutional_patrons=patrons)
        app.mount(f"/sim/{lib.code}", create_sim_app(sim))  # type: ignore[attr-defined]


def sample_openurls(platform: Platform, base: str, libs: tuple[DemoLibrary, ...]) -> list[str]:
    """Three OpenURLs a newcomer can click, as a discovery layer would send them: a loan and a
    chapter copy of records other libraries hold (with the shared-index id as ``rft_id``), and
    one with too little data, which opens the request form."""
    from reshare.demo import traffic

    lib = libs[0]
    tenants = traffic._tenant_ids(platform)
    held = [rec for borrower, rec in traffic._wanted(12) if borrower.code == lib.code][:2]
    urls = []
    for rec, extra in zip(held, ({"rft.genre": "book",
                                  "svc.pickupLocation": lib.pickup_slug()},
                                 {"rft.genre": "bookitem", "svc_id": "copy",
                                  "rft.atitle": "Chapter 1", "rft.spage": "1",
                                  "rft.epage": "24"}), strict=False):
        query = {"url_ver": "Z39.88-2004", "rfr_id": "info:sid/demo.discovery",
                 "rft_id": traffic.record_cluster(platform, rec["local_ids"].split(","))
                 or traffic.cluster_id(platform, tenants[lib.code], rec["title"], rec["author"]),
                 "rft.btitle": rec["title"], "rft.au": rec["author"], "req_id": "p-alice",
                 **extra}
        urls.append(f"{base}/openurl/{lib.code}?{urlencode(query)}")
    urls.append(f"{base}/openurl/{lib.code}?{urlencode({'rft.title': 'A title only'})}")
    return urls


def banner(platform: Platform, insts: list[Installation], host: str) -> None:
    console.rule("[bold]ReShare demo network")
    for inst in insts:
        base = inst.url(host)
        console.print(f"Installation {inst.number}: [bold]{base}[/bold]  (API docs {base}/docs)",
                      soft_wrap=True)
        for lib in inst.libraries:
            console.print(f"  {lib.code:7} {lib.name} ({lib.symbol}, LMS {lib.lms}): "
                          f"log in at {base}/ui with library {lib.code}, user admin or staff, "
                          f"password {STAFF_PASSWORD}", soft_wrap=True, highlight=False)
    console.print("\nPlace a request as patron p-alice through one of these OpenURLs:")
    for url in sample_openurls(platform, insts[0].url(host), insts[0].libraries):
        console.print(f"  {url}", soft_wrap=True, highlight=False)
    console.print("\nDrive traffic: [bold]reshare demo traffic --requests 20[/bold]")
    console.rule()


def _wait_until_up(url: str, seconds: float = 120.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return True
        time.sleep(0.5)
    return False


def _sync_directories(platform: Platform, peers: list[str]) -> None:
    """Befriend the other installations and crawl them once they answer."""
    from reshare.directory import crawl

    for url in peers:
        with contextlib.suppress(ReshareError):  # already a friend
            crawl.add_friend(platform.db, url, label="demo", every_minutes=1)
    for url in peers:
        _wait_until_up(url)
    crawl.sync_all(platform.db)


def _seed_when_up(platform: Platform, base: str) -> None:
    """Once the server answers, leave a handful of requests in various states (first run)."""
    import logging

    from reshare.demo import traffic

    _wait_until_up(base)
    try:
        seeded = traffic.seed(platform)
    except Exception:  # the demo still works without its sample requests
        logging.getLogger("reshare.demo").exception("could not seed sample requests")
        return
    if seeded:
        console.print("Sample requests: " + "; ".join(seeded), soft_wrap=True, highlight=False)


def serve_installation(inst: Installation, insts: list[Installation], host: str,
                       *, quiet: bool = False) -> None:
    import uvicorn

    from reshare.web.app import create_app

    base = inst.url(host)
    var = AppSettings.from_env().var_dir
    db_url = AppSettings.from_env().database_url
    if len(insts) > 1:
        db_url = f"sqlite:///{var}/installation{inst.number}.db"
    settings = AppSettings.from_env(database_url=db_url, port=inst.port, base_url=base,
                                    cookie_secure=False)
    platform = build_platform(settings)
    index_url = f"{insts[0].url(host)}/sharedindex/oai"
    prepare(platform, inst, host, index_url)
    if not quiet:
        banner(platform, insts, host)
    app = create_app(platform=platform)
    mount_simulators(app, inst)
    peers = [i.url(host) for i in insts if i.number != inst.number]
    if peers:
        threading.Thread(target=_sync_directories, args=(platform, peers), daemon=True).start()
    elif not quiet:
        threading.Thread(target=_seed_when_up, args=(platform, base), daemon=True).start()
    uvicorn.run(app, host=host, port=inst.port, log_level="warning")


def _stop_with_parent() -> None:
    """A child installation stops when the demo that started it is gone, even if that one
    was killed before it could stop its children (otherwise it would keep its port)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down cleanly on SIGTERM

    threading.Thread(target=watch, name="demo-parent-watch", daemon=True).start()


def run(installations: int, host: str, port: int, only: int | None = None) -> None:
    insts = plan(installations, port)
    if only is not None:  # a child process serving one installation of a multi-installation demo
        _stop_with_parent()
        serve_installation(insts[only - 1], insts, host, quiet=True)
        return
    children = []
    try:
        for inst in insts[1:]:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "reshare.cli", "demo", "--installations",
                 str(installations), "--port", str(port), "--host", host,
                 "--only", str(inst.number)]))
        serve_installation(insts[0], insts, host)
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=15)


@contextlib.contextmanager
def background_demo(settings: AppSettings) -> Iterator[Platform]:
    """The demo's platform, with its server running: the one already up, or one started here."""
    import uvicorn

    from reshare.web.app import create_app

    platform = build_platform(settings)
    base = settings.base_url.rstrip("/")
    try:
        if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
            yield platform
            return
    except httpx.HTTPError:
        pass
    inst = plan(1, settings.port)[0]
    prepare(platform, inst, settings.host, None)
    app = create_app(platform=platform)
    mount_simulators(app, inst)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.1)
    try:
        yield platform
    finally:
        server.should_exit = True
        thread.join(timeout=30)
