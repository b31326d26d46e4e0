"""Server-side charts and the action-form table: pure functions."""

from __future__ import annotations

from reshare.web.ui import charts, request_forms


def test_bars_escape_names_and_scale_to_the_largest() -> None:
    svg = str(charts.bars([("<b>RESHARE:A</b>", 4.0), ("B", 2.0)], label="requests"))
    assert svg.startswith("<svg") and svg.count("<rect") == 2
    assert "<b>" not in svg and "&lt;b&gt;RESHARE:A" in svg
    assert 'width="360.0"' in svg and 'width="180.0"' in svg
    assert "No data yet" in str(charts.bars([], label="x"))


def test_weekly_chart_has_two_bars_per_week_and_a_legend() -> None:
    svg = str(charts.grouped_weeks([("2026-11-16", 3, 1), ("2026-11-23", 0, 2)]))
    assert svg.count("<rect") == 4 + 2  # bars + legend keys
    assert "Borrowing" in svg and "Lending" in svg and "11-23" in svg


def test_action_params_from_forms() -> None:
    assert request_forms.params_from_form(
        "supplierCheckInToReshare", {"itemBarcode": "A1, B2", "junk": "x"}) == {
        "itemBarcodes": [{"itemId": "A1"}, {"itemId": "B2"}]}
    assert request_forms.params_from_form(
        "requesterCancel", {"reason": "patron_requested", "note": " no longer needed "}) == {
        "reason": "patron_requested", "note": "no longer needed"}
    assert request_forms.params_from_form("supplierMarkShipped", {"note": "box 3"}) == {
        "note": "box 3"}
    assert request_forms.label("supplierMarkShipped") == "Ship"
    assert request_forms.label("someNewAction") == "Some new action"
