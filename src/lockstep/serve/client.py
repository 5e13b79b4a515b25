"""TAXII 2.1 client helpers over ``taxii2-client``: connect with a key, push objects in batches
that fit the server's ``max_content_length``, pull every page of a collection.

Credentials come in as arguments (the CLI reads options or the environment); they are never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, as_pages

from lockstep.errors import ShareError

log = logging.getLogger(__name__)


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <key_id>.<secret>`` (taxii2-client's own TokenAuth says 'Token')."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


@dataclass
class PushResult:
    requests: int = 0
    total: int = 0
    success: int = 0
    failure: int = 0
    status_ids: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def connect(url: str, *, user: str | None = None, password: str | None = None,
            token: str | None = None) -> Collection:
    """The collection at ``url`` (``.../{api_root}/collections/{id}/``), with its information loaded."""
    if not url.endswith("/"):
        url += "/"
    if "/collections/" not in url:
        raise ShareError(f"{url!r} is not a TAXII collection URL; expected "
                         "https://HOST/API_ROOT/collections/COLLECTION_ID/.")
    auth = BearerAuth(token) if token else None
    coll = Collection(url, user=user, password=password, auth=auth)
    try:
        coll.refresh()
    except (requests.RequestException, TAXIIServiceException) as exc:
        raise ShareError(f"Cannot open the TAXII collection {url}: {_why(exc)}") from exc
    return coll


def _why(exc: Exception) -> str:
    resp = getattr(exc, "response", None)
    if resp is not None:
        try:
            body = resp.json()
            return f"HTTP {resp.status_code} {body.get('title', '')}: {body.get('description', '')}".strip()
        except ValueError:
            return f"HTTP {resp.status_code}"
    return str(exc)


def _batches(objects: list[dict[str, Any]], max_bytes: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 20
    for obj in objects:
        n = len(json.dumps(obj, ensure_ascii=False).encode()) + 1
        if n + 20 > max_bytes:
            raise ShareError(f"The object {obj.get('id')} alone is {n} bytes, over the server's "
                             f"max_content_length of {max_bytes}.")
        if batch and size + n > max_bytes:
            yield batch
            batch, size = [], 20
        batch.append(obj)
        size += n
    if batch:
        yield batch


def push(coll: Collection, objects: list[dict[str, Any]]) -> PushResult:
    """POST the objects in as few envelopes as the API root's max_content_length allows."""
    if not coll.can_write:
        raise ShareError(f"This key may not write to the collection {coll.url} (can_write is false).")
    root = ApiRoot(coll.url.split("collections/")[0], conn=coll._conn)
    limit = int(root.max_content_length * 0.9)
    out = PushResult()
    for batch in _batches(objects, limit):
        try:
            status = coll.add_objects({"objects": batch}, wait_for_completion=True, poll_interval=1, timeout=60)
        except (requests.RequestException, TAXIIServiceException) as exc:
            raise ShareError(f"Adding objects to {coll.url} failed: {_why(exc)}") from exc
        out.requests += 1
        out.total += status.total_count
        out.success += status.success_count
        out.failure += status.failure_count
        out.status_ids.append(status.id)
        out.failures += list(status.failures or [])
    log.info("pushed %d objects in %d request(s): %d ok, %d failed", out.total, out.requests, out.success,
             out.failure)
    return out


def pull(coll: Collection, *, since: str | None = None, per_request: int = 1000) -> list[dict[str, Any]]:
    """Every object (latest versions) added after ``since``, following ``next`` through all pages."""
    if not coll.can_read:
        raise ShareError(f"This key may not read the collection {coll.url} (can_read is false).")
    objects: list[dict[str, Any]] = []
    try:
        kwargs = {"added_after": since} if since else {}
        for envelope in as_pages(coll.get_objects, per_request=per_request, **kwargs):
            objects += envelope.get("objects", [])
    except (requests.RequestException, TAXIIServiceException) as exc:
        raise ShareError(f"Reading {coll.url} failed: {_why(exc)}") from exc
    return objects
