"""Pull slip PDFs read back: the text through pypdf, the barcode by decoding the rendered page."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from reshare.errors import ValidationFailed
from reshare.notices.pullslip import PullSlip, render_pull_slips

SLIP = PullSlip(hrid="ALPHA-000123", title="Property and wealth in classical Sparta",
                author="Hodkinson, Stephen", call_number="DF261.S8 H63 2000",
                location="Main library", shelving_location="Stacks level 3",
                pickup_location="Beta main desk", requester_symbol="RESHARE:BETA",
                supplier_symbol="RESHARE:ALPHA", needed_by="2026-12-24",
                isbn="0715630407")


def barcodes(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """Decode every Code 128 on every page, rasterised at 150 dpi by poppler."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "slips.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")],
                   check=True)
    pages = []
    for png in sorted(tmp_path.glob("page*.png")):
        found = decode(Image.open(png), symbols=[ZBarSymbol.CODE128])
        # top to bottom, as printed
        pages.append([f.data.decode() for f in sorted(found, key=lambda f: f.rect.top)])
    return pages


def test_one_slip_has_every_field_and_a_readable_barcode(tmp_path: Path) -> None:
    pdf = render_pull_slips([SLIP])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for value in ("ALPHA-000123", SLIP.title, "Hodkinson, Stephen", "DF261.S8 H63 2000",
                  "Main library", "Beta main desk", "RESHARE:BETA", "RESHARE:ALPHA",
                  "Call number:", "Pickup location:", "Requester:", "Supplier:"):
        assert value in text, value
    assert barcodes(pdf, tmp_path) == [["ALPHA-000123"]]


def test_a_batch_puts_two_slips_per_page_in_order(tmp_path: Path) -> None:
    slips = [PullSlip(hrid=f"BETA-{n:04d}", title=f"Book {n}", call_number=f"QA{n}")
             for n in range(1, 6)]
    pdf = render_pull_slips(slips)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert "Book 5" in reader.pages[2].extract_text()
    assert barcodes(pdf, tmp_path) == [["BETA-0001", "BETA-0002"], ["BETA-0003", "BETA-0004"],
                                       ["BETA-0005"]]


def test_long_and_unusual_text_does_not_break_the_slip(tmp_path: Path) -> None:
    slip = PullSlip(hrid="X-1", title="Ünïcode – “quotes” " + "long " * 60, author="Ø")
    pdf = render_pull_slips([slip])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Ünïcode" in text and "…" in text
    assert barcodes(pdf, tmp_path) == [["X-1"]]


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="no requests to print"):
        render_pull_slips([])
