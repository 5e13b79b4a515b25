"""Objects endpoints (sections 5.4-5.8): get and add objects, get and delete one object, versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from lockstep.serve import audit, filters, objects
from lockstep.serve.api.routes import both
from lockstep.serve.api.routes.pages import page_headers, paged_body, read_access
from lockstep.serve.database import now_us
from lockstep.serve.deps import authorize, remote
from lockstep.serve.http import TaxiiError, check_content_type, read_body, taxii_response
from lockstep.serve.schema import objects as t
from lockstep.serve.statuses import save_status
from lockstep.serve.validate import Checked, check
from lockstep.share import tlp

router = APIRouter()
OBJECTS = "/{api_root}/collections/{collection_id}/objects/"
ONE = OBJECTS + "{object_id}/"
ONE_ALLOWED = {"added_after", "limit", "next", "match[version]", "match[spec_version]"}


def _envelope(pg: objects.Page) -> str:
    """The envelope, splicing the stored JSON text in rather than re-encoding every object."""
    head: dict[str, Any] = {"more": pg.more}
    if pg.next_seq is not None:
        head["next"] = filters.encode_next(pg.next_seq)
    text = json.dumps(head, separators=(",", ":"))
    if not pg.rows:
        return text
    return text[:-1] + ',"objects":[' + ",".join(r.body for r in pg.rows) + "]}"


@both(router, OBJECTS, ["GET"])
def get_objects(api_root: str, collection_id: str, request: Request) -> Response:
    who, acc, f = read_access(request, api_root, collection_id, "objects.get", filters.KNOWN)
    pg = objects.page(request.app.state.engine, collection_id, acc.reader(who), f, columns=[t.c.body],
                      max_bytes=request.app.state.settings.max_page_bytes)
    return taxii_response(_envelope(pg), headers=page_headers(pg))


@both(router, ONE, ["GET"])
def get_object(api_root: str, collection_id: str, object_id: str, request: Request) -> Response:
    who, acc, f = read_access(request, api_root, collection_id, "object.get", ONE_ALLOWED)
    pg = objects.page(request.app.state.engine, collection_id, acc.reader(who), f, columns=[t.c.body],
                      object_id=object_id, max_bytes=request.app.state.settings.max_page_bytes)
    if not pg.rows and not f.after_seq:
        raise TaxiiError(404, "Not Found", f"No object {object_id!r} matching the filters in this collection.")
    return taxii_response(_envelope(pg), headers=page_headers(pg))


@both(router, ONE + "versions/", ["GET"])
def get_versions(api_root: str, collection_id: str, object_id: str, request: Request) -> Response:
    who, acc, f = read_access(request, api_root, collection_id, "versions.get",
                              {"added_after", "limit", "next", "match[spec_version]"}, default_version=None)
    pg = objects.page(request.app.state.engine, collection_id, acc.reader(who), f, columns=[t.c.version],
                      object_id=object_id)
    if not pg.rows and not f.after_seq:
        raise TaxiiError(404, "Not Found", f"No object {object_id!r} in this collection.")
    return taxii_response(paged_body(pg, "versions", [r.version for r in pg.rows]), headers=page_headers(pg))


@both(router, ONE, ["DELETE"])
def delete_object(api_root: str, collection_id: str, object_id: str, request: Request) -> Response:
    """Needs the write right; deletes the matching versions the organisation added itself (the
    collection's owner: any version it may read). Default: every such version."""
    who, acc, f = read_access(request, api_root, collection_id, "object.delete",
                              {"match[version]", "match[spec_version]"}, need="write", default_version="all")

    def log(conn: Any, n: int) -> None:
        audit.record(conn, action="object.delete", outcome="ok", organisation=who.org_name, key_id=who.key_id,
                     target=request.url.path, http_status=200, detail=f"{n} version(s) deleted",
                     remote=remote(request))

    n = objects.remove(request.app.state.engine, collection_id, object_id, acc.reader(who), f,
                       owned_by=None if acc.owner else who.org_id, then=log)
    if not n:
        raise TaxiiError(404, "Not Found", f"No object {object_id!r} matching the filters that this "
                         "organisation may delete.")
    return taxii_response({}, 200)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (strict JSON: write a string or null instead)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key[:100]!r} appears twice in one JSON object")
        seen.add(key)
    return dict(pairs)


def parse_envelope(body: bytes, *, max_objects: int = 10_000) -> list[Any]:
    """The objects of a TAXII envelope, read as strict JSON (RFC 8259): no NaN/Infinity, no key
    twice in one object, no unpaired surrogate — what every reader's parser can read back."""
    try:
        doc = json.loads(body, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except RecursionError as exc:
        raise TaxiiError(400, "Bad Request", "The body nests JSON too deeply to be read.") from exc
    except UnicodeEncodeError as exc:
        raise TaxiiError(400, "Bad Request", "The body holds an unpaired UTF-16 surrogate escape "
                         f"({exc.object[exc.start:exc.end]!a}); send valid Unicode text.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaxiiError(400, "Bad Request", f"The body is not strict JSON: {exc}.") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), list):
        raise TaxiiError(400, "Bad Request", "The body must be a TAXII envelope: a JSON object whose "
                         "'objects' is a list of STIX objects.")
    if not doc["objects"]:
        raise TaxiiError(400, "Bad Request", "The envelope holds no objects.")
    if len(doc["objects"]) > max_objects:
        raise TaxiiError(413, "Payload Too Large", f"The envelope holds {len(doc['objects'])} objects; this "
                         f"server accepts at most {max_objects} per request (--max-envelope-objects). "
                         "Split the objects over several requests.")
    return doc["objects"]


def _failure(obj: Any, exc: Exception) -> dict[str, str]:
    oid = obj.get("id") if isinstance(obj, dict) else None
    ver = obj.get("modified") or obj.get("created") if isinstance(obj, dict) else None
    return {"id": str(oid or "unknown"), "version": str(ver or ""), "message": str(exc)[:500]}


def _check_all(items: list[Any], stored_definitions: Callable[[set[str]], dict[str, dict[str, Any]]],
               max_pattern_length: int) -> tuple[list[Checked], list[dict[str, str]]]:
    """Check every object; markings are classified with the marking-definitions of this envelope
    and those the organisation stored before. A malformed marking field rejects the request (400)."""
    definitions: dict[str, dict[str, Any]] = {}
    for i, obj in enumerate(items):
        if isinstance(obj, dict) and obj.get("type") == "marking-definition":
            try:
                c = check(obj)
            except ValueError as exc:
                _marking_error(i, obj, exc)
                continue
            definitions[c.object_id.lower()] = obj
    wanted: set[str] = set()
    for obj in items:
        if isinstance(obj, dict):
            wanted |= tlp.unresolved(obj) - definitions.keys()
    if wanted:
        definitions = {**stored_definitions(wanted), **definitions}
    good, bad = [], []
    for i, obj in enumerate(items):
        try:
            good.append(check(obj, definitions, max_pattern_length=max_pattern_length))
        except ValueError as exc:
            _marking_error(i, obj, exc)
            bad.append(_failure(obj, exc))
    return good, bad


def _marking_error(i: int, obj: Any, exc: ValueError) -> None:
    if isinstance(exc, tlp.MarkingError):
        oid = obj.get("id") if isinstance(obj, dict) else None
        raise TaxiiError(400, "Bad Request", f"objects[{i}] ({str(oid)[:100]!r}): {exc} Nothing was stored; "
                         "fix the markings and send the envelope again.") from exc


@both(router, OBJECTS, ["POST"])
async def add_objects(api_root: str, collection_id: str, request: Request) -> Response:
    """Validates every object, stores the valid ones in one transaction with the status resource
    and the audit entry, and answers 202 with the (already complete) status."""
    who, acc = await run_in_threadpool(lambda: authorize(request, api_root, collection_id, need="write",
                                                         action="objects.add"))
    root = acc.root
    engine = request.app.state.engine
    settings = request.app.state.settings
    collection_id = str(acc.collection["id"])

    def stored_definitions(ids: set[str]) -> dict[str, dict[str, Any]]:
        return objects.definitions(engine, collection_id, who.org_id, ids)

    try:
        check_content_type(request)
        items = parse_envelope(await read_body(request, settings.max_content_length),
                               max_objects=settings.max_envelope_objects)
        started = now_us()
        good, bad = await run_in_threadpool(_check_all, items, stored_definitions, settings.max_pattern_length)
    except TaxiiError as err:
        await run_in_threadpool(audit.record, engine, action="objects.add", outcome="rejected",
                                organisation=who.org_name, key_id=who.key_id, target=request.url.path,
                                http_status=err.status, detail=err.title, remote=remote(request))
        raise
    status: dict[str, Any] = {}

    def finish(conn: Any, result: objects.AddResult) -> None:
        status.update(save_status(conn, api_root_id=root.id, collection_id=collection_id,
                                  org_id=who.org_id, request_us=started, result=result,
                                  max_details=settings.max_status_details))
        audit.record(conn, action="objects.add", outcome="ok" if not result.failures else "partial",
                     organisation=who.org_name, key_id=who.key_id, target=request.url.path, http_status=202,
                     detail=f"{len(result.successes)} accepted, {len(result.failures)} failed; status {status['id']}",
                     remote=remote(request))

    await run_in_threadpool(objects.add, engine, collection_id, who.org_id, good, bad, finish)
    return taxii_response(status, 202)
