"""The ASGI application: ``create_app(settings)`` wires the database, the TAXII routers and the
error format. Run it with ``lockstep serve`` (which migrates the database first) or any ASGI server
via the factory ``lockstep.serve.app:app_from_env``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve.api.routes import api_roots, collections, discovery, manifest, objects
from lockstep.serve.audit import UnauthenticatedLimiter
from lockstep.serve.database import check_current, make_engine
from lockstep.serve.http import TaxiiError, error_response
from lockstep.serve.settings import ServeSettings

log = logging.getLogger(__name__)


def create_app(settings: ServeSettings) -> FastAPI:
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_current(engine)  # refuse to serve an unmigrated database, with the fix in the message
        yield
        engine.dispose()

    app = FastAPI(title=settings.title, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.audit_limiter = UnauthenticatedLimiter(settings.audit_unauthenticated_per_minute)

    @app.exception_handler(TaxiiError)
    async def _taxii(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaxiiError)
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(TaxiiError(exc.status_code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: Exception) -> Response:
        return error_response(TaxiiError(400, "Bad Request", str(exc)[:500]))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(TaxiiError(500, "Internal Server Error", "The server failed; see its log."))

    app.include_router(discovery.router)
    for module in (api_roots, collections, manifest, objects):
        app.include_router(module.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and for worker processes: settings from the environment."""
    return create_app(ServeSettings.from_env())
