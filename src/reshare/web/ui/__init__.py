"""Staff UI and patron pages: server-rendered Jinja2 + htmx; ``install(app)`` plugs them in."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from reshare.errors import ReshareError
from reshare.web import errors

STATIC = Path(__file__).parents[1] / "static"
HTML_PREFIXES = ("/ui", "/openurl", "/patron")


def wants_html(request: Request) -> bool:
    """A browser page request (not an API or htmx JSON call) on a page route."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(HTML_PREFIXES) and "text/html" in accept


def install(app: FastAPI) -> None:
    """Mount static files, include the page routers, answer browsers with pages, not JSON."""
    from reshare.web.ui import routes

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routes.routers():
        app.include_router(router)

    @app.exception_handler(ReshareError)
    async def _reshare(request: Request, exc: ReshareError) -> Response:
        if wants_html(request):
            if exc.status == 401 and request.url.path.startswith("/ui"):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/ui/login?next={_quote(target)}", status_code=303)
            return error_page(request, exc.status, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return errors.error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            return error_page(request, exc.status_code, str(exc.detail))
        code = errors._HTTP_CODES.get(exc.status_code, "http_error")
        return errors.error_response(exc.status_code, code, str(exc.detail), None,
                                     dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [{"location": ".".join(str(p) for p in e.get("loc", ())),
                     "problem": e.get("msg")} for e in exc.errors()]
        summary = "; ".join(f"{p['location']}: {p['problem']}" for p in problems)
        if wants_html(request):
            return error_page(request, 422, f"Some of what was sent is not valid: {summary}")
        return errors.error_response(422, "validation_failed", f"invalid request: {summary}",
                                     problems)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def error_page(request: Request, status: int, message: str) -> Response:
    from reshare.web.ui.render import render

    titles = {400: "Bad request", 401: "Please log in", 403: "Not allowed", 404: "Not found",
              409: "Conflict", 422: "Please check what you entered", 503: "Unavailable"}
    return render(request, "error.html", status_code=status,
                  title=titles.get(status, "Something went wrong"), message=message,
                  status=status)
