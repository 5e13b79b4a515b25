"""``GET /{api_root}/`` (API root information) and ``GET /{api_root}/status/{id}/`` (section 4)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve.api.routes import both
from lockstep.serve.deps import authenticate, engine_of, resolve_root
from lockstep.serve.http import TAXII_MEDIA, TaxiiError, check_accept, taxii_response
from lockstep.serve.schema import statuses
from lockstep.serve.statuses import status_resource

router = APIRouter()


@both(router, "/{api_root}/", ["GET"])
def api_root_information(api_root: str, request: Request) -> Response:
    authenticate(request, "api_root.get")
    check_accept(request)
    root = resolve_root(request, api_root)
    body = {"title": root.title, "versions": [TAXII_MEDIA],
            "max_content_length": request.app.state.settings.max_content_length}
    if root.description:
        body["description"] = root.description
    return taxii_response(body)


@both(router, "/{api_root}/status/{status_id}/", ["GET"])
def get_status(api_root: str, status_id: str, request: Request) -> Response:
    """Only the organisation that made the request may read its status."""
    who = authenticate(request, "status.get")
    check_accept(request)
    root = resolve_root(request, api_root)
    with engine_of(request).connect() as conn:
        row = conn.execute(select(statuses).where(statuses.c.id == status_id, statuses.c.api_root_id == root.id,
                                                  statuses.c.organisation_id == who.org_id)).first()
    if row is None:
        raise TaxiiError(404, "Not Found", f"No status {status_id!r} for this organisation in {api_root!r}.")
    return taxii_response(status_resource(row))
