"""LMS figures: NCIP round trips against an `reshare lms-sim` process over HTTP (build +
validate + send + parse), the same in-process, holdings parsing of the real gateway samples,
and Z39.50 searches against yaz-ztest when it is installed. Prints figures; asserts nothing."""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from reshare.lms.ncip.client import NcipClient
from reshare.lms.ncip.messages import Header
from reshare.lms.sim import ncip as responder
from reshare.lms.sim.app import demo_library
from reshare.lms.z3950 import zoom
from reshare.lms.z3950.holdings import available_items, records_from_sru

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "fixtures" / "lms" / "z3950"
RULE = {"alma": "opac", "folio": "folio", "koha": "koha", "sierra": "sierra",
        "symphony": "symphony"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(label: str, n: int, fn: Callable[[int], object]) -> None:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(f"{label}: n={n}, median {statistics.median(samples):.2f} ms, "
          f"p95 {samples[int(n * 0.95) - 1]:.2f} ms, {n / (sum(samples) / 1000):.0f}/s")


def ncip_in_process() -> None:
    lib = demo_library()
    client = NcipClient("sim", Header("SIM", "SIM"), transport=lambda b: responder.respond(lib, b))
    _timed("NCIP LookupUser in-process (build, validate, respond, parse)", 500,
           lambda i: client.lookup_user(user_id="p-alice"))


def ncip_over_http() -> None:
    port = _port()
    exe = str(Path(sys.executable).with_name("reshare"))
    proc = subprocess.Popen([exe, "lms-sim", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{url}/healthz", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        client = NcipClient(f"{url}/ncip", Header("SIM", "SIM"))
        _timed("NCIP LookupUser over HTTP to lms-sim", 300,
               lambda i: client.lookup_user(user_id="p-alice"))
        _timed("NCIP CheckOutItem + CheckInItem over HTTP", 150,
               lambda i: (client.check_out_item(user_id="ILL-INST", item_id="30001"),
                          client.check_in_item("30001")))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def holdings() -> None:
    files = [(p, p.stem.split("-")[0]) for p in sorted(SAMPLES.glob("*.xml"))]
    blobs = [(p.read_bytes(), RULE[a]) for p, a in files]
    total = sum(len(b) for b, _ in blobs)
    _timed(f"holdings parse of all {len(blobs)} gateway samples ({total // 1024} KiB)", 200,
           lambda i: [available_items(r, records_from_sru(b)) for b, r in blobs])


def z3950() -> None:
    if shutil.which("yaz-ztest") is None:
        print("Z39.50: yaz-ztest not installed, skipped")
        return
    port = _port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(["yaz-ztest", "-l", f"{tmp}/z.log", f"tcp:127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            target = zoom.Target("127.0.0.1", port)
            _timed("Z39.50 search + 3 OPAC records from yaz-ztest (connect each time)", 100,
                   lambda i: zoom.search(target, "@attr 1=4 computer", max_records=3))
        finally:
            proc.terminate()
            proc.wait(timeout=5)


if __name__ == "__main__":
    ncip_in_process()
    holdings()
    z3950()
    ncip_over_http()
