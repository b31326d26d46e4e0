"""Platform routes: health check and staff authentication (login, logout, tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel
from sqlalchemy import text

from reshare.errors import Unavailable
from reshare.tenancy import service as tenancy
from reshare.web.deps import (
    SESSION_COOKIE,
    PlatformDep,
    Public,
    Staff,
    make_session_cookie,
)

router = APIRouter()


@router.get("/healthz", dependencies=[Public], tags=["platform"])
def healthz(platform: PlatformDep) -> dict[str, str]:
    """200 when the database answers; 503 otherwise."""
    try:
        with platform.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means unhealthy
        raise Unavailable(f"database unavailable: {type(exc).__name__}",
                          code="database_unavailable") from None
    return {"status": "ok", "database": platform.db.dialect}


class LoginBody(BaseModel):
    tenant: str
    username: str
    password: str


@router.post("/auth/login", dependencies=[Public], tags=["auth"])
async def login(request: Request, response: Response, platform: PlatformDep) -> dict[str, object]:
    """Log a staff user in (JSON or form body); sets the session cookie."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = LoginBody.model_validate(await request.json())
    else:
        form = await request.form()
        body = LoginBody(tenant=str(form.get("tenant", "")), username=str(form.get("username", "")),
                         password=str(form.get("password", "")))
    principal = tenancy.authenticate_password(platform.db, body.tenant, body.username,
                                              body.password)
    response.set_cookie(
        SESSION_COOKIE, make_session_cookie(platform, principal),
        max_age=platform.settings.session_hours * 3600, httponly=True,
        secure=platform.settings.cookie_secure, samesite="lax", path="/",
    )
    return {"tenant": principal.tenant_code, "username": principal.username,
            "role": principal.role}


@router.post("/auth/logout", dependencies=[Public], tags=["auth"])
def logout(response: Response) -> dict[str, str]:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "logged out"}


@router.get("/auth/me", tags=["auth"])
def me(principal: Staff) -> dict[str, object]:
    return {"tenant": principal.tenant_code, "username": principal.username,
            "role": principal.role}


@router.post("/auth/tokens", tags=["auth"])
def create_token(principal: Staff, platform: PlatformDep,
                 name: Annotated[str, Form()] = "api") -> dict[str, str]:
    """Create an API token for the calling user; it is shown only in this response."""
    assert principal.tenant_id is not None
    token = tenancy.issue_token(platform.db, principal.tenant_id, principal.username, name)
    return {"token": token, "note": "store it now: it cannot be shown again"}
