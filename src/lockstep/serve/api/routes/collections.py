"""``GET /{api_root}/collections/`` and ``/{api_root}/collections/{id}/`` (section 5.1, 5.2).
Only collections the organisation can see are listed; ``can_read``/``can_write`` are its own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve.api.routes import both
from lockstep.serve.deps import Access, authenticate, authorize, resolve_root, visible_collections
from lockstep.serve.http import STIX_MEDIA, check_accept, taxii_response

router = APIRouter()


def resource(acc: Access) -> dict[str, Any]:
    c = acc.collection
    out: dict[str, Any] = {"id": c["id"], "title": c["title"], "can_read": acc.can_read,
                           "can_write": acc.can_write, "media_types": [STIX_MEDIA]}
    if c.get("description"):
        out["description"] = c["description"]
    if c.get("alias"):
        out["alias"] = c["alias"]
    return out


@both(router, "/{api_root}/collections/", ["GET"])
def list_collections(api_root: str, request: Request) -> Response:
    who = authenticate(request, "collections.list")
    check_accept(request)
    root = resolve_root(request, api_root)
    found = [resource(a) for a in visible_collections(request, who, root)]
    return taxii_response({"collections": found} if found else {})


@both(router, "/{api_root}/collections/{collection_id}/", ["GET"])
def get_collection(api_root: str, collection_id: str, request: Request) -> Response:
    _, acc = authorize(request, api_root, collection_id, need=None, action="collection.get")
    return taxii_response(resource(acc))
