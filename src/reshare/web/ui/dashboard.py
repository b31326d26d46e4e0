"""The dashboard: counts and charts (server-side SVG) over this library's requests."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from reshare.web.deps import PlatformDep, Staff
from reshare.web.ui import charts, stats
from reshare.web.ui.render import render

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    data = stats.collect(platform, principal.tenant_id)
    pictures = []
    if data.available:
        pictures = [
            ("Requests per state", charts.bars(data.per_state, label="requests")),
            ("Borrowing and lending per week", charts.grouped_weeks(data.per_week)),
            ("Turnaround (days from request to delivery)",
             charts.bars(data.turnaround, label="days", number_format="{:.1f}")),
            ("Fill rate per partner (%)", charts.bars(data.fill_rate, label="%", maximum=100)),
        ]
    return render(request, "dashboard.html", principal=principal, active="dashboard",
                  title="Dashboard", data=data, pictures=pictures)
