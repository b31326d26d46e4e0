"""The simulator's Z39.50 face (Zebra fed from its records) seen through our ZOOM client:
live availability after check-out and check-in, Koha rules over USMARC→MARCXML."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator

import pytest

from reshare.lms.availability import CatalogueAvailability, ZoomSearcher
from reshare.lms.profiles import profile_for
from reshare.lms.sim.app import demo_library
from reshare.lms.sim.state import Library
from reshare.lms.sim.zebra import ZebraCatalogue
from reshare.lms.z3950 import zoom
from reshare.requests.ports import BibQuery

pytestmark = pytest.mark.skipif(shutil.which("zebrasrv") is None,
                                reason="Debian package idzebra-2.0 not installed (.ci/run does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def zebra() -> Iterator[tuple[Library, ZebraCatalogue]]:
    library = demo_library()
    catalogue = ZebraCatalogue(library, "127.0.0.1", _free_port())
    catalogue.start()
    try:
        yield library, catalogue
    finally:
        catalogue.stop()


def test_searches_by_each_strategy(zebra: tuple[Library, ZebraCatalogue]) -> None:
    _, catalogue = zebra
    target = zoom.Target.parse(catalogue.address)
    for pqf in ('@attr 1=12 "b1"', '@attr 1=7 "9780374157357"', '@attr 1=4 "dawn"'):
        hits, records = zoom.search(target, pqf, syntax="marcxml", timeout=5)
        assert hits == 1 and "The dawn of everything" in records[0], pqf


def test_availability_follows_circulation(zebra: tuple[Library, ZebraCatalogue]) -> None:
    library, catalogue = zebra
    koha = CatalogueAvailability(profile_for("koha"), ZoomSearcher(catalogue.address, 5))
    assert not koha.find_copy(BibQuery(system_instance_id="b2")).available  # on loan to Bob
    first = koha.find_copy(BibQuery(isbn="9780374157357"))
    assert first.available and first.copy is not None
    assert (first.copy.location, first.copy.call_number) == ("Main Library", "CB19 .G69 2021")
    library.check_out("ILL-INST", "30001")
    second = koha.find_copy(BibQuery(isbn="9780374157357"))
    assert second.copy is not None and second.copy.location == "Science Library"
    library.check_out("ILL-INST", "30002")
    assert not koha.find_copy(BibQuery(isbn="9780374157357")).available
    library.check_in("30001")
    assert koha.find_copy(BibQuery(isbn="9780374157357")).available
