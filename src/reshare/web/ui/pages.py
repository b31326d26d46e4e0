"""Pages every library sees: login and logout, dashboard, settings by section, configuration check."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reshare.errors import ReshareError, Unauthorized, ValidationFailed
from reshare.settings import service as settings_service
from reshare.settings.registry import SECTION_LABELS, SECTIONS
from reshare.tenancy import service as tenancy
from reshare.web.deps import SESSION_COOKIE, PlatformDep, Public, Staff, make_session_cookie
from reshare.web.ui import checks
from reshare.web.ui.render import render

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)

# How the sections are grouped in the settings menu, as in ReShare's Settings app.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Resource sharing", ("requests", "Routing", "sharedIndex", "network", "autoResponder",
                          "chat", "state_action_config", "state_model", "automaticFees",
                          "other")),
    ("Pull slips", ("pullslipConfiguration", "pullslipTemplateConfig")),
    ("Host LMS", ("hostLMSIntegration", "localNCIP", "z3950", "wmsSettings",
                  "voyagerSettings")),
    ("Patrons", ("notices", "openurl")),
    ("Logging", ("logging",)),
)


def _safe_next(target: str | None) -> str:
    """Only local page paths: never redirect a login to another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/ui/"
    parts = urlsplit(target)
    return target if not parts.netloc and not parts.scheme else "/ui/"


@router.get("/login", dependencies=[Public], response_class=HTMLResponse)
def login_page(request: Request, next: str = "/ui/") -> Response:  # noqa: A002
    return render(request, "login.html", title="Log in", next=_safe_next(next), tenant="",
                  username="", error=None)


@router.post("/login", dependencies=[Public])
def login(request: Request, platform: PlatformDep, tenant: Annotated[str, Form()] = "",
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/ui/") -> Response:  # noqa: A002
    """Check the password, set the foundation's session cookie, go where the user was going."""
    try:
        principal = tenancy.authenticate_password(platform.db, tenant, username, password)
    except (Unauthorized, ValidationFailed) as exc:
        return render(request, "login.html", status_code=401, title="Log in",
                      next=_safe_next(next), tenant=tenant, username=username,
                      error=exc.message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, make_session_cookie(platform, principal),
                        max_age=platform.settings.session_hours * 3600, httponly=True,
                        secure=platform.settings.cookie_secure, samesite="lax", path="/")
    return response


@router.post("/logout", dependencies=[Public])
def logout() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/settings", response_class=HTMLResponse)
def settings_index(request: Request, principal: Staff) -> Response:
    groups = [(name, [(s, SECTION_LABELS.get(s, s)) for s in sections if s in SECTIONS])
              for name, sections in GROUPS]
    return render(request, "settings_index.html", principal=principal, active="settings",
                  title="Settings", groups=groups)


def _group_of(section: str) -> str:
    return next((name for name, sections in GROUPS if section in sections), "Other")


def _section_page(request: Request, principal: Any, section: str, views: list[Any],
                  errors: dict[str, str], submitted: dict[str, str], flash: str | None,
                  status_code: int = 200) -> Response:
    return render(request, "settings_section.html", principal=principal, active="settings",
                  status_code=status_code, title=SECTION_LABELS.get(section, section),
                  group=_group_of(section), section=section, views=views, errors=errors,
                  submitted=submitted, flash=flash, flash_kind="error" if errors else "ok",
                  can_edit=principal.role == "admin")


@router.get("/settings/{section}", response_class=HTMLResponse)
def settings_section(request: Request, section: str, principal: Staff,
                     platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        views = [v for v in settings_service.list_views(session, section)
                 if not v.definition.hidden]
    return _section_page(request, principal, section, views, {}, {}, None)


class _Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


@router.post("/settings/{section}", response_class=HTMLResponse)
async def save_settings(request: Request, section: str, principal: Staff,
                        platform: PlatformDep) -> Response:
    """Save a whole section at once; any invalid value saves nothing and is explained."""
    assert principal.tenant_id is not None
    if principal.role != "admin":
        raise ValidationFailed("only a library administrator can change settings",
                               code="admin_required")
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        with platform.db.tenant(principal.tenant_id) as session:
            errors: dict[str, str] = {}
            for view in settings_service.list_views(session, section):
                key = view.definition.key
                if view.definition.hidden or key not in form:
                    continue
                if view.definition.secret and not form[key]:
                    continue  # blank password field: keep the stored one
                try:
                    settings_service.set_value(session, section, key, form[key] or None,
                                               actor=principal.username)
                except ReshareError as exc:
                    errors[key] = exc.message
            if errors:
                raise _Invalid(errors)
    except _Invalid as invalid:
        with platform.db.tenant(principal.tenant_id) as session:
            views = [v for v in settings_service.list_views(session, section)
                     if not v.definition.hidden]
        return _section_page(request, principal, section, views, invalid.errors, form,
                             "Nothing was saved: please correct the values marked below.", 422)
    with platform.db.tenant(principal.tenant_id) as session:
        views = [v for v in settings_service.list_views(session, section)
                 if not v.definition.hidden]
    return _section_page(request, principal, section, views, {}, {}, "Settings saved.")


@router.get("/check", response_class=HTMLResponse)
def configuration_check(request: Request, principal: Staff, platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    results = checks.run(platform, principal.tenant_id)
    return render(request, "check.html", principal=principal, active="check",
                  title="Configuration check", results=results,
                  problems=sum(1 for r in results if r.level == "error"))
