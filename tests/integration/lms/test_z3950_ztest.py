"""Z39.50 through libyaz (ctypes ZOOM) against a real yaz-ztest on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reshare.lms.availability import CatalogueAvailability, ZoomSearcher
from reshare.lms.profiles import profile_for
from reshare.lms.z3950 import zoom
from reshare.lms.z3950.holdings import available_items, parse_record
from reshare.requests.ports import BibQuery

pytestmark = pytest.mark.skipif(shutil.which("yaz-ztest") is None,
                                reason="Debian package yaz is not installed (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def ztest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = Path(tmp_path_factory.mktemp("ztest")) / "ztest.log"
    for _ in range(3):
        port = _free_port()
        proc = subprocess.Popen(["yaz-ztest", "-l", str(log), f"tcp:127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(50):
                if _listening(port) or proc.poll() is not None:
                    break
                time.sleep(0.05)
            if proc.poll() is None and _listening(port):
                yield f"127.0.0.1:{port}/Default"
                return
        finally:
            proc.terminate()
            proc.wait(timeout=5)
    pytest.fail("yaz-ztest did not start")


def test_search_counts_and_opac_records(ztest: str) -> None:
    hits, records = zoom.search(zoom.Target.parse(ztest), "@attr 1=4 computer", max_records=2)
    assert hits == 23 and len(records) == 2
    assert "<opacRecord>" in records[0] and "How to program a computer" in records[0]


def test_marcxml_records(ztest: str) -> None:
    hits, records = zoom.search(zoom.Target.parse(ztest), '@attr 1=7 "2"', syntax="marcxml")
    assert hits == 2
    root = parse_record(records[0])
    assert root.tag == "{http://www.loc.gov/MARC21/slim}record"


def test_opac_holdings_parse(ztest: str) -> None:
    _, records = zoom.search(zoom.Target.parse(ztest), '@attr 1=7 "1"')
    items = available_items("opac", [parse_record(r) for r in records])
    assert items is not None and len(items) == 1
    assert items[0].location == "Main or Science/Business Reading Rms - STORED OFFSITE"
    assert (items[0].call_number, items[0].item_id) == ("MLCM 89/00602 (N)", "1226176")


def test_strategies_against_ztest(ztest: str) -> None:
    availability = CatalogueAvailability(profile_for("alma"), ZoomSearcher(ztest, timeout=5))
    by_isbn = availability.find_copy(BibQuery(isbn="1", title="computer"))
    assert by_isbn.available and by_isbn.copy is not None
    assert by_isbn.copy.item_id == "1226176"
    # title search: 23 hits, 3 records with holdings → ReShare refuses to guess
    by_title = availability.find_copy(BibQuery(title="computer"))
    assert not by_title.available and "no single matching record" in by_title.reason
    # local id strategy is final: ISBN would have found it, but it is not tried
    by_id = availability.find_copy(BibQuery(system_instance_id="0", isbn="1"))
    assert not by_id.available and "local record id" in by_id.reason


def test_connect_failure_is_a_clear_error() -> None:
    port = _free_port()
    with pytest.raises(zoom.Z3950Error, match="Connect failed") as info:
        zoom.search(zoom.Target("127.0.0.1", port), "@attr 1=4 x", timeout=3)
    assert info.value.code == 10000
    availability = CatalogueAvailability(profile_for("alma"),
                                         ZoomSearcher(f"127.0.0.1:{port}/Default", timeout=3))
    result = availability.find_copy(BibQuery(title="x"))
    assert not result.available and not result.checked and "Connect failed" in result.reason


@pytest.mark.parametrize("address", ["nohost", "host:abc/db", ""])
def test_bad_address(address: str) -> None:
    with pytest.raises(ValueError, match="host:port/database"):
        zoom.Target.parse(address)
