"""``GET /{api_root}/collections/{id}/manifest/`` (section 5.3)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve import filters, objects
from lockstep.serve.api.routes import both
from lockstep.serve.api.routes.pages import page_headers, paged_body, read_access
from lockstep.serve.http import STIX_MEDIA, taxii_response
from lockstep.serve.schema import objects as t
from lockstep.serve.timestamps import format_us

router = APIRouter()
ALLOWED = filters.KNOWN


@both(router, "/{api_root}/collections/{collection_id}/manifest/", ["GET"])
def get_manifest(api_root: str, collection_id: str, request: Request) -> Response:
    who, acc, f = read_access(request, api_root, collection_id, "manifest.get", ALLOWED)
    pg = objects.page(request.app.state.engine, collection_id, acc.reader(who), f,
                      columns=[t.c.object_id, t.c.version, t.c.spec_version])
    records = [{"id": r.object_id, "date_added": format_us(r.date_added_us), "version": r.version,
                "media_type": STIX_MEDIA if r.spec_version == "2.1" else f"application/stix+json;version={r.spec_version}"}
               for r in pg.rows]
    return taxii_response(paged_body(pg, "objects", records), headers=page_headers(pg))
