"""Small SVG charts drawn on the server: accessible (title, description, table fallback)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

COLOURS = ("#0b5cad", "#bf3989")


def bars(values: list[tuple[str, float]], *, label: str, maximum: float | None = None,
         number_format: str = "{:g}") -> Markup:
    """Horizontal bars, one row per (name, value)."""
    if not values:
        return Markup('<p class="muted">No data yet.</p>')
    top = maximum or max(v for _, v in values) or 1
    row, name_w, bar_w = 26, 190, 360
    height = row * len(values) + 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {name_w + bar_w + 70} {height}" '
             f'width="{name_w + bar_w + 70}" height="{height}">',
             f"<title>{escape(label)} per item</title>"]
    for i, (name, value) in enumerate(values):
        y = 5 + i * row
        width = max(1.0, bar_w * value / top)
        parts.append(f'<text x="{name_w - 6}" y="{y + 16}" text-anchor="end">'
                     f"{escape(name[:28])}</text>")
        parts.append(f'<rect x="{name_w}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" '
                     f'fill="{COLOURS[0]}"><title>{escape(name)}: '
                     f"{escape(number_format.format(value))} {escape(label)}</title></rect>")
        parts.append(f'<text x="{name_w + width + 6:.1f}" y="{y + 16}">'
                     f"{escape(number_format.format(value))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_weeks(weeks: list[tuple[str, int, int]]) -> Markup:
    """Two bars per week: borrowing (requester) and lending (supplier)."""
    if not weeks:
        return Markup('<p class="muted">No data yet.</p>')
    top = max(max(b, lend) for _, b, lend in weeks) or 1
    col, chart_h, left = 44, 160, 30
    width = left + col * len(weeks) + 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {chart_h + 60}" '
             f'width="{width}" height="{chart_h + 60}"><title>Borrowing and lending per week'
             "</title>"]
    for i, (week, borrowed, lent) in enumerate(weeks):
        x = left + i * col
        for j, value in enumerate((borrowed, lent)):
            h = chart_h * value / top
            kind = "borrowing" if j == 0 else "lending"
            parts.append(f'<rect x="{x + j * 16}" y="{chart_h - h + 10:.1f}" width="14" '
                         f'height="{h:.1f}" fill="{COLOURS[j]}"><title>{escape(week)}: '
                         f"{value} {kind}</title></rect>")
        parts.append(f'<text x="{x}" y="{chart_h + 26}" font-size="10">{escape(week[5:])}</text>')
    parts.append(f'<rect x="{left}" y="{chart_h + 36}" width="12" height="12" fill="{COLOURS[0]}"/>'
                 f'<text x="{left + 16}" y="{chart_h + 46}">Borrowing</text>'
                 f'<rect x="{left + 100}" y="{chart_h + 36}" width="12" height="12" '
                 f'fill="{COLOURS[1]}"/><text x="{left + 116}" y="{chart_h + 46}">Lending</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
