"""The workspace's ASGI application: ``create_app(settings)``. Run it with ``lockstep ui``."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from lockstep.errors import StoreError
from lockstep.serve.database import check_current, make_engine
from lockstep.ui import actions, login, pages, security
from lockstep.ui.deps import NeedLogin, environment, render
from lockstep.ui.search import SearchIndex
from lockstep.ui.settings import UiSettings
from lockstep.ui.storeview import PageCache

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: UiSettings) -> FastAPI:
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_current(engine)
        # Everything loaded so far (FastAPI, DuckDB, Arrow, matplotlib: hundreds of thousands of objects)
        # lives as long as the server; moved out of the collector's sight, a full collection no longer
        # walks them. Charts make many short-lived objects: without this, the collections they set off
        # added 100-300 ms to one chart request in ten (bench/ui.py).
        gc.collect()
        gc.freeze()
        yield
        engine.dispose()

    app = FastAPI(title=settings.title, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = environment()
    app.state.pages = PageCache()
    app.state.search = SearchIndex()
    app.state.login_limiter = security.LoginLimiter(settings.login_failures_per_user,
                                                    settings.login_failures_per_address)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # how long the server took, for the browser's developer tools and bench/ui.py
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        for k, v in security.HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(NeedLogin)
    async def _login(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return render(request, "error.html.j2", {"status": exc.status_code, "message": str(exc.detail),
                                                 "back": None}, status=exc.status_code)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: Exception) -> Response:
        return render(request, "error.html.j2", {"status": 503, "message": str(exc), "back": None}, status=503)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (login, pages, actions):
        app.include_router(module.router)
    return app
