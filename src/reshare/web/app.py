"""``create_app(settings)``: builds the whole platform; nothing happens at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reshare import __version__, capabilities
from reshare.config import AppSettings
from reshare.jobs import JobRunner
from reshare.platform import Platform, build_platform
from reshare.web import errors, ui

log = logging.getLogger("reshare.http")


class RequestLog:
    """Log each HTTP request (method, path, status, milliseconds, tenant): a plain ASGI
    middleware, which costs far less per request than Starlette's BaseHTTPMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            principal = scope.get("state", {}).get("principal")
            log.info("%s %s %s %.1fms tenant=%s", scope["method"], scope["path"], status[0],
                     (time.perf_counter() - started) * 1000,
                     getattr(principal, "tenant_code", None) or "-")


def create_app(settings: AppSettings | None = None, *, platform: Platform | None = None,
               run_jobs: bool | None = None) -> FastAPI:
    """Build the app from a settings object (or a ready platform, for tests)."""
    if platform is None:
        platform = build_platform(settings or AppSettings.from_env())
    capabilities.load_models()
    start_jobs = platform.settings.inprocess_worker if run_jobs is None else run_jobs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(
            1, platform.settings.api_threads)
        runner = JobRunner(platform, capabilities.jobs()) if start_jobs else None
        platform.extras["job_runner"] = runner
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(
        title="ReShare",
        version=__version__,
        description="Resource sharing between libraries: ISO 18626, NCIP, OpenURL.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    errors.install(app)

    from reshare.iso18626.api import Iso18626Direct

    app.add_middleware(Iso18626Direct, platform=platform)  # inside the request log
    app.add_middleware(RequestLog)

    for router in capabilities.routers():
        app.include_router(router)
    ui.install(app)  # pages, static files, HTML error pages for browsers
    return app
