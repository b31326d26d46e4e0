"""Request dependencies: the platform, and who is calling (one of four access levels).

Every route declares exactly one access level by depending on :func:`public`,
:func:`tenant_user`, :func:`tenant_admin` or :func:`platform_admin` (directly or through
the ``Annotated`` aliases below). A test walks every route and checks this, then proves that
calls without credentials get 401 and calls from another tenant get 404.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from reshare.errors import Forbidden, Unauthorized
from reshare.platform import Platform
from reshare.tenancy import service as tenancy
from reshare.tenancy.model import Principal, Role

SESSION_COOKIE = "reshare_session"


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def get_platform(request: Request) -> Platform:
    """The platform (async: FastAPI runs a plain ``def`` dependency in a worker thread, a
    hand-off that costs more than this lookup)."""
    return platform_of(request)


PlatformDep = Annotated[Platform, Depends(get_platform)]


def session_serializer(platform: Platform) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(platform.secret_key, salt="reshare-session")


def make_session_cookie(platform: Platform, principal: Principal) -> str:
    return session_serializer(platform).dumps({"t": principal.tenant_id, "u": principal.user_id})


def _from_cookie(platform: Platform, cookie: str) -> Principal | None:
    try:
        data = session_serializer(platform).loads(
            cookie, max_age=platform.settings.session_hours * 3600
        )
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    return tenancy.principal_for_user(platform.db, data["t"], data["u"])


def _platform_admin() -> Principal:
    return Principal(None, None, None, "platform-admin", None, platform_admin=True)


def optional_principal(request: Request) -> Principal | None:
    """The caller, from a Bearer token or the session cookie; None when anonymous."""
    platform = platform_of(request)
    if request.headers.get("authorization"):
        token = _bearer(request)
        if not token:
            raise Unauthorized("use 'Authorization: Bearer <token>'", code="bad_credentials")
        if hmac.compare_digest(token, platform.admin_token):
            return _platform_admin()
        principal = tenancy.principal_for_token(platform.db, token)
        if principal is None:
            raise Unauthorized("this API token is not valid (revoked, or its user or tenant "
                               "is disabled); create a new one with `reshare user token`",
                               code="bad_credentials")
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _from_cookie(platform, cookie)
    return None


def _bearer(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header ("" for none or another scheme)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _remembered(request: Request) -> Principal | None:
    token = _bearer(request)
    if not token.startswith(tenancy.TOKEN_PREFIX):
        return None
    return tenancy.cached_principal(platform_of(request).db, token)


async def public() -> None:
    """Marker: this route needs no credentials (health, protocol endpoints, feeds)."""


async def authenticated(request: Request) -> Principal:
    """The caller; a staff token checked in the last seconds is answered from memory on the
    event loop, anything else (a database lookup) in a worker thread."""
    principal = _remembered(request)
    if principal is None:
        principal = await run_in_threadpool(optional_principal, request)
    if principal is None:
        raise Unauthorized("log in, or send 'Authorization: Bearer <token>'",
                           code="not_authenticated")
    request.state.principal = principal
    return principal


async def tenant_user(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    if principal.tenant_id is None:
        raise Forbidden("this route acts on one library's data: call it with a staff "
                        "user's token, not the platform-admin token", code="tenant_required")
    return principal


async def tenant_admin(principal: Annotated[Principal, Depends(tenant_user)]) -> Principal:
    if principal.role != Role.ADMIN:
        raise Forbidden("this needs a library administrator (role admin)", code="admin_required")
    return principal


async def platform_admin(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    if not principal.platform_admin:
        raise Forbidden("this needs the platform-admin token", code="platform_admin_required")
    return principal


Staff = Annotated[Principal, Depends(tenant_user)]
TenantAdmin = Annotated[Principal, Depends(tenant_admin)]
PlatformAdmin = Annotated[Principal, Depends(platform_admin)]
Public = Depends(public)

ACCESS_MARKERS = {
    public: "public",
    tenant_user: "tenant",
    tenant_admin: "tenant_admin",
    platform_admin: "platform_admin",
}
