"""``GET /taxii2/``: the discovery resource (TAXII 2.1 section 4.1).

API root URLs are built from the configured public base URL, never from the request's ``Host``
header: a client (or a proxy) that sends a forged Host must not make discovery point partners, and
their keys, at another server."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve.admin import DEFAULT_API_ROOT
from lockstep.serve.api.routes import both
from lockstep.serve.deps import authenticate, engine_of
from lockstep.serve.http import check_accept, taxii_response
from lockstep.serve.schema import api_roots

router = APIRouter()


@both(router, "/taxii2/", ["GET"])
def discovery(request: Request) -> Response:
    authenticate(request, "discovery")
    check_accept(request)
    settings = request.app.state.settings
    with engine_of(request).connect() as conn:
        names = conn.execute(select(api_roots.c.name).order_by(api_roots.c.name)).scalars().all()
    base = settings.public_url
    body = {"title": settings.title,
            "description": "TAXII 2.1 server of Lockstep: coordinated-inauthentic-behaviour findings.",
            "api_roots": [f"{base}{n}/" for n in names]}
    if settings.contact:
        body["contact"] = settings.contact
    if DEFAULT_API_ROOT in names:
        body["default"] = f"{base}{DEFAULT_API_ROOT}/"
    return taxii_response(body)
