"""``create_app(settings)``: builds the whole platform; nothing happens at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from reshare import __version__, capabilities
from reshare.config import AppSettings
from reshare.jobs import JobRunner
from reshare.platform import Platform, build_platform
from reshare.web import errors, ui

log = logging.getLogger("reshare.http")


def create_app(settings: AppSettings | None = None, *, platform: Platform | None = None,
               run_jobs: bool | None = None) -> FastAPI:
    """Build the app from a settings object (or a ready platform, for tests)."""
    if platform is None:
        platform = build_platform(settings or AppSettings.from_env())
    capabilities.load_models()
    start_jobs = platform.settings.inprocess_worker if run_jobs is None else run_jobs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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

    @app.middleware("http")
    async def log_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response: Response = await call_next(request)
        principal = getattr(request.state, "principal", None)
        log.info("%s %s %s %.1fms tenant=%s", request.method, request.url.path,
                 response.status_code, (time.perf_counter() - started) * 1000,
                 getattr(principal, "tenant_code", None) or "-")
        return response

    for router in capabilities.routers():
        app.include_router(router)
    ui.install(app)  # pages, static files, HTML error pages for browsers
    return app
