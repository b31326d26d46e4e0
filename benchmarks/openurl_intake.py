"""OpenURL-to-request latency: a discovery layer's OpenURL in, a validated request with its rota
and the ISO 18626 Request queued out, against the demo network (patron checked by NCIP on the
library's LMS simulator, lenders from the shared index, load balancing from RS_STATS)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from reshare.config import AppSettings
from reshare.demo import traffic
from reshare.demo.runner import background_demo


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(count: int = 60) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-openurl-"))
    port = free_port()
    os.chdir(workdir)
    settings = AppSettings(database_url=f"sqlite:///{workdir}/reshare.db", var_dir=str(workdir),
                           port=port, base_url=f"http://127.0.0.1:{port}", cookie_secure=False)
    with background_demo(settings) as platform:
        wanted = traffic._wanted(count)
        latencies = []
        with httpx.Client(base_url=settings.base_url, timeout=60) as client:
            for lib, rec in wanted:
                cluster = traffic.record_cluster(platform, rec["local_ids"].split(","))
                query = {"url_ver": "Z39.88-2004", "rft.genre": "book", "rft_id": cluster,
                         "rft.btitle": rec["title"], "rft.au": rec["author"],
                         "req_id": "p-alice",
                         "svc.pickupLocation": lib.pickup_slug(),
                         "format": "json"}
                started = time.perf_counter()
                answer = client.get(f"/openurl/{lib.code}?{urlencode(query)}",
                                    headers={"Accept": "application/json"})
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 201:
                    print(f"unexpected answer {answer.status_code}: {answer.text[:200]}",
                          file=sys.stderr)
                    raise SystemExit(1)
    ms = sorted(x * 1000 for x in latencies)
    print(f"- OpenURL to request (SQLite, demo network, {count} requests, sequential): "
          f"p50 {statistics.median(ms):.0f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms, "
          f"max {ms[-1]:.0f} ms")


if __name__ == "__main__":
    main()
