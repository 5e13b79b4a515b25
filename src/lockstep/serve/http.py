"""TAXII 2.1 at the HTTP level: media types, the error message format, JSON responses.

TAXII media type: ``application/taxii+json;version=2.1``. A request's Accept header must allow it
(``*/*``, ``application/*``, ``application/taxii+json`` with no version or version 2.1; quality 0
excludes) or the answer is 406; a POST's Content-Type must be it (415).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"


class TaxiiError(Exception):
    """An error answered in the TAXII error message format (section 3.6.1)."""

    def __init__(self, status: int, title: str, description: str = "", *,
                 headers: dict[str, str] | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description
        self.headers, self.details = headers or {}, details

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "http_status": str(self.status)}
        if self.description:
            out["description"] = self.description
        if self.details:
            out["details"] = self.details
        return out


def taxii_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = data if isinstance(data, (bytes, str)) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, headers=headers, media_type=TAXII_MEDIA)


def error_response(err: TaxiiError) -> Response:
    return taxii_response(err.body(), err.status, err.headers)


def _params(parts: list[str]) -> dict[str, str]:
    out = {}
    for p in parts:
        k, _, v = p.partition("=")
        out[k.strip().lower()] = v.strip().strip('"')
    return out


def accepts_taxii(accept: str | None) -> bool:
    if not accept or not accept.strip():
        return True  # no Accept header: any type is acceptable (RFC 9110)
    for rng in accept.split(","):
        media, *rest = rng.split(";")
        media = media.strip().lower()
        params = _params(rest)
        try:
            if float(params.get("q", "1")) <= 0:
                continue
        except ValueError:
            continue
        if media in ("*/*", "application/*"):
            return True
        if media == "application/taxii+json" and params.get("version", "2.1") == "2.1":
            return True
    return False


def check_accept(request: Request) -> None:
    if not accepts_taxii(request.headers.get("accept")):
        raise TaxiiError(406, "Not Acceptable",
                         f"This server answers only with {TAXII_MEDIA}; the Accept header was "
                         f"{request.headers.get('accept')!r}.")


def check_content_type(request: Request) -> None:
    ctype = request.headers.get("content-type") or ""
    media, *rest = ctype.split(";")
    params = _params(rest)
    if media.strip().lower() != "application/taxii+json" or params.get("version", "2.1") != "2.1":
        raise TaxiiError(415, "Unsupported Media Type",
                         f"POST a TAXII envelope with Content-Type {TAXII_MEDIA}; got {ctype or 'none'!r}.")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes: first by Content-Length,
    then while streaming (a chunked or lying client is cut off at the limit)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request", f"Content-Length {declared!r} is not a number.") from exc
        if size > limit:
            raise TaxiiError(413, "Payload Too Large",
                             f"The body is {size} bytes; this API root accepts at most {limit} "
                             "(max_content_length). Split the objects over several requests.")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise TaxiiError(413, "Payload Too Large",
                             f"The body exceeds this API root's max_content_length of {limit} bytes. "
                             "Split the objects over several requests.")
        chunks.append(chunk)
    return b"".join(chunks)
