"""Pull slips: a PDF with one slip per request (two per page), the HRID as a Code 128 barcode.

Staff at the supplier print the batch, walk the shelves with it and scan the barcode to find
the request again. Pure rendering: callers pass :class:`PullSlip` values (see
``reshare.web.ui`` for how requests become slips) and get PDF bytes back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reshare.errors import ValidationFailed

PAGE_W, PAGE_H = LETTER
MARGIN = 15 * mm
SLIPS_PER_PAGE = 2


@dataclass(frozen=True)
class PullSlip:
    hrid: str
    title: str
    author: str | None = None
    call_number: str | None = None
    location: str | None = None
    shelving_location: str | None = None
    pickup_location: str | None = None
    requester_symbol: str | None = None
    supplier_symbol: str | None = None
    item_barcode: str | None = None
    needed_by: str | None = None
    edition: str | None = None
    isbn: str | None = None
    issn: str | None = None
    oclc_number: str | None = None
    patron_note: str | None = None
    date_created: str | None = None


def _fields(slip: PullSlip) -> list[tuple[str, str | None]]:
    return [
        ("Author", slip.author), ("Call number", slip.call_number),
        ("Location", slip.location), ("Shelving location", slip.shelving_location),
        ("Item barcode", slip.item_barcode), ("Edition", slip.edition),
        ("ISBN", slip.isbn), ("ISSN", slip.issn), ("OCLC", slip.oclc_number),
        ("Requester", slip.requester_symbol), ("Supplier", slip.supplier_symbol),
        ("Pickup location", slip.pickup_location), ("Needed by", slip.needed_by),
        ("Created", slip.date_created), ("Note", slip.patron_note),
    ]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _draw_slip(canvas: Canvas, slip: PullSlip, top: float) -> None:
    left, width = MARGIN, PAGE_W - 2 * MARGIN
    barcode = Code128(slip.hrid, barHeight=16 * mm, barWidth=0.5 * mm, humanReadable=True,
                      quiet=True)
    barcode.drawOn(canvas, left, top - 22 * mm)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawRightString(left + width, top - 8 * mm, slip.hrid)
    canvas.setFont("Helvetica", 9)
    canvas.drawRightString(left + width, top - 14 * mm, "Pull slip")
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(left, top - 32 * mm, _clip(slip.title, 90))
    y = top - 40 * mm
    for label, value in _fields(slip):
        if not value:
            continue
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(left, y, f"{label}:")
        canvas.setFont("Helvetica", 9)
        canvas.drawString(left + 32 * mm, y, _clip(value, 95))
        y -= 5 * mm


def render_pull_slips(slips: Sequence[PullSlip], *, title: str = "Pull slips") -> bytes:
    """A PDF with every slip; raises ValidationFailed for an empty batch."""
    if not slips:
        raise ValidationFailed("no requests to print: the current filter matches none that "
                               "wait for a pull slip", code="empty_batch")
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor("ReShare")
    canvas.setSubject(f"{len(slips)} pull slips, {dt.date.today().isoformat()}")
    half = PAGE_H / SLIPS_PER_PAGE
    for index, slip in enumerate(slips):
        position = index % SLIPS_PER_PAGE
        if index and position == 0:
            canvas.showPage()
        top = PAGE_H - position * half - MARGIN
        _draw_slip(canvas, slip, top)
        if position < SLIPS_PER_PAGE - 1 and index < len(slips) - 1:
            canvas.setDash(3, 3)
            canvas.line(MARGIN, PAGE_H - half, PAGE_W - MARGIN, PAGE_H - half)
            canvas.setDash()
    canvas.showPage()
    canvas.save()
    return out.getvalue()
