"""A hostile TAXII 2.1 server for client tests: a real HTTP server on loopback (``http.server`` in a
thread) that serves crafted pages, as a malicious or broken partner server would.

``pages(n, next_token)`` returns the raw body of the n-th objects request (bytes, so a page can hold
``NaN`` or be anything else); every objects request is recorded in ``requests``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TAXII = "application/taxii+json;version=2.1"
Pages = Callable[[int, str | None], bytes]


@dataclass
class FakeServer:
    url: str  # collection URL
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)


def envelope(objects: list[Any], *, more: bool = False, next_token: str | None = None) -> bytes:
    body: dict[str, Any] = {"more": more, "objects": objects}
    if next_token is not None:
        body["next"] = next_token
    return json.dumps(body).encode()


@contextmanager
def fake_taxii(pages: Pages) -> Iterator[FakeServer]:
    cid = str(uuid.uuid4())
    root = "/api1/"
    coll_path = f"{root}collections/{cid}/"
    state: dict[str, FakeServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, body: bytes, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", TAXII)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            srv = state["server"]
            srv.auth_headers.append(self.headers.get("Authorization"))
            parts = urlsplit(self.path)
            if parts.path == coll_path:
                self._send(json.dumps({"id": cid, "title": "hostile", "can_read": True, "can_write": False,
                                       "media_types": ["application/stix+json;version=2.1"]}).encode())
            elif parts.path == coll_path + "objects/":
                query = parse_qs(parts.query)
                srv.requests.append(query)
                self._send(pages(len(srv.requests), (query.get("next") or [None])[0]))
            else:
                self._send(b'{"title": "Not Found", "http_status": "404"}', 404)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    state["server"] = FakeServer(f"http://127.0.0.1:{port}{coll_path}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
