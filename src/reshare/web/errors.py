"""One JSON error shape for every failure: ``{"error", "message", "details"}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reshare.db import CrossTenantAccess
from reshare.errors import ReshareError

log = logging.getLogger("reshare.web")

_HTTP_CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "too_many_requests",
}


def error_response(status: int, code: str, message: str, details: object = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "details": details},
                        status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ReshareError)
    async def _reshare(request: Request, exc: ReshareError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(CrossTenantAccess)
    async def _cross(request: Request, exc: CrossTenantAccess) -> JSONResponse:
        log.error("cross-tenant access refused on %s: %s", request.url.path, exc)
        return error_response(404, "not_found", "not found")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['location']}: {p['problem']}" for p in problems)
        return error_response(422, "validation_failed", f"invalid request: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), None,
                              dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error",
                              "an unexpected error happened; it has been logged")
