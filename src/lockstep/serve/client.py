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
from urllib.parse import urlsplit

import requests
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection

from lockstep.errors import ShareError
from lockstep.hosts import is_loopback
from lockstep.share.intel import loads

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


def sends_secret_in_clear(url: str) -> bool:
    """True when credentials sent to ``url`` would cross a network unencrypted: plain http:// to a
    host that is not this machine (loopback addresses and 'localhost' are this machine)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        return False
    return not is_loopback(parts.hostname or "")


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


#: objects per add request: below the server's default --max-envelope-objects (10,000)
PUSH_BATCH = 1000


def _batches(objects: list[dict[str, Any]], max_bytes: int, max_count: int = PUSH_BATCH
             ) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 20
    for obj in objects:
        n = len(json.dumps(obj, ensure_ascii=False).encode()) + 1
        if n + 20 > max_bytes:
            raise ShareError(f"The object {obj.get('id')} alone is {n} bytes, over the server's "
                             f"max_content_length of {max_bytes}.")
        if batch and (size + n > max_bytes or len(batch) >= max_count):
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
        out.failures += list(status.failures or status.custom_properties.get("x_lockstep_failures_sample") or [])
    log.info("pushed %d objects in %d request(s): %d ok, %d failed", out.total, out.requests, out.success,
             out.failure)
    return out


#: defaults of ``lockstep share pull``'s limits
DEFAULT_MAX_PAGES = 10_000
DEFAULT_MAX_OBJECTS = 250_000  # about 3 KB of memory each while pulled: ~750 MB
DEFAULT_MAX_PAGE_BYTES = 64 * 1024 * 1024
@dataclass
class PullResult:
    #: as parsed by :func:`lockstep.share.intel.loads`: NaN/Infinity marked, nothing checked yet
    objects: list[Any] = field(default_factory=list)
    pages: int = 0
    #: why the pull ended before the server said ``more: false`` (None: it read everything)
    stopped: str | None = None
    #: X-TAXII-Date-Added-Last of the last page read, to resume with --since
    last_added: str | None = None


def _read_page(resp: requests.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ShareError(f"a page of {declared} bytes is over --max-page-bytes ({max_bytes} bytes)")
    chunks, total = [], 0
    for chunk in resp.iter_content(1 << 16):
        total += len(chunk)
        if total > max_bytes:
            raise ShareError(f"a page of more than {max_bytes} bytes is over --max-page-bytes ({max_bytes} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def pull(coll: Collection, *, since: str | None = None, per_request: int = 1000,
         max_pages: int = DEFAULT_MAX_PAGES, max_objects: int = DEFAULT_MAX_OBJECTS,
         max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> PullResult:
    """Every object (latest versions) added after ``since``, following ``next`` through the pages.

    A hostile or broken server cannot make this run forever or use unbounded memory: it reads at
    most ``max_pages`` pages, ``max_objects`` objects and ``max_page_bytes`` per page, and stops
    when a page repeats the previous ``next`` token or says ``more`` without any object. Then
    ``stopped`` says why, and what was read so far is returned. Objects are returned as parsed;
    :func:`lockstep.share.intel.import_bundle` quarantines those it cannot read.
    """
    if not coll.can_read:
        raise ShareError(f"This key may not read the collection {coll.url} (can_read is false).")
    out = PullResult()
    session = coll._conn.session
    headers = {"Accept": "application/taxii+json;version=2.1", "User-Agent": coll._conn.user_agent}
    token: str | None = None
    while True:
        if out.pages >= max_pages:
            out.stopped = (f"stopped after {max_pages} pages (--max-pages) although the server says there is "
                           "more")
            break
        params: dict[str, Any] = {"limit": per_request}
        if since:
            params["added_after"] = since
        if token:
            params["next"] = token
        try:
            with session.get(coll.objects_url, params=params, headers=headers, stream=True, timeout=120) as resp:
                resp.raise_for_status()
                body = _read_page(resp, max_page_bytes)
                added_last = resp.headers.get("X-TAXII-Date-Added-Last")
        except requests.RequestException as exc:
            raise ShareError(f"Reading {coll.url} failed: {_why(exc)}") from exc
        except ShareError as exc:
            out.stopped = f"stopped at page {out.pages + 1}: {exc}"
            break
        out.pages += 1
        try:
            envelope = loads(body)
        except (ValueError, RecursionError) as exc:
            out.stopped = f"stopped at page {out.pages}: the server's answer is not JSON ({str(exc)[:200]})"
            break
        items = envelope.get("objects", []) if isinstance(envelope, dict) else None
        if not isinstance(items, list):
            out.stopped = f"stopped at page {out.pages}: the server's answer is not a TAXII envelope"
            break
        room = max_objects - len(out.objects)
        out.objects += items[:room]
        if len(items) > room:
            out.stopped = f"stopped after {max_objects} objects (--max-objects)"
            break
        out.last_added = added_last or out.last_added
        more, new_token = envelope.get("more") is True, envelope.get("next")
        if not more:
            break
        if not items:
            out.stopped = f"stopped at page {out.pages}: the server says there is more but sent no objects"
            break
        if isinstance(new_token, str) and new_token and new_token != token:
            token = new_token
        elif not new_token and added_last and added_last != since:
            since, token = added_last, None  # a server that pages by date only
        else:
            out.stopped = (f"stopped at page {out.pages}: the server says there is more but gave "
                           f"{'the same' if new_token and new_token == token else 'no usable'} 'next' token")
            break
    log.info("pulled %d objects in %d page(s)", len(out.objects), out.pages)
    return out
