"""Rendering pages: one Jinja2 environment (autoescaped), the layout's navigation, flashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from reshare.tenancy.model import Principal

TEMPLATES = Path(__file__).parents[1] / "templates"
_templates = Jinja2Templates(directory=str(TEMPLATES))
_templates.env.autoescape = True
_templates.env.finalize = lambda value: "" if value is None else value

NAV: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "Dashboard", "/ui/"),
    ("request", "Request", "/ui/requests?side=requester"),
    ("supply", "Supply", "/ui/requests?side=supplier"),
    ("scan", "Scan", "/ui/scan"),
    ("directory", "Directory", "/ui/directory"),
    ("sharedindex", "Shared index", "/ui/sharedindex"),
    ("notices", "Notices", "/ui/notices"),
    ("settings", "Settings", "/ui/settings"),
    ("check", "Configuration check", "/ui/check"),
)


def render(request: Request, template: str, *, status_code: int = 200,
           principal: Principal | None = None, active: str = "", **context: Any) -> HTMLResponse:
    """Render a page; ``principal`` shows the navigation and who is logged in."""
    principal = principal or getattr(request.state, "principal", None)
    if principal is not None and principal.tenant_id is None:
        principal = None
    return _templates.TemplateResponse(
        request, template,
        {"principal": principal, "nav": NAV if principal else (), "active": active,
         "htmx": request.headers.get("hx-request") == "true", **context},
        status_code=status_code)


def templates() -> Jinja2Templates:
    return _templates
