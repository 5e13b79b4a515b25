"""Resource abuse against the TAXII server and ``share pull`` (not a test): what each limit bounds.

1. Envelope: a 1 MB body of ~330,000 empty objects, POSTed to a real ``lockstep serve`` with the
   default limits, then to one whose ``--max-envelope-objects`` is raised above it (only the status
   bound left). Prints the HTTP status, the answer's bytes and the server's resident memory
   (VmRSS after, VmHWM peak) before and after.
2. Strangers: ``--strangers`` requests without a key and with 60 KB paths. Prints audit rows added
   and the bytes they hold.
3. Endless server (run first, so the peak memory is the pull's own): a loopback HTTP server that always answers ``more: true`` with 100 new
   indicators; ``lockstep share pull --max-pages N`` against it. Prints pages, exit status, wall
   time and the client's peak memory.

Usage::

    python bench/taxii_abuse.py [--strangers 2000] [--pages 200]

Loopback only; servers and files live in a temporary folder that is removed after.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from lockstep.serve.database import make_engine
from lockstep.serve.http import TAXII_MEDIA
from lockstep.serve.schema import audit_log
from lockstep.testing.taxii import one_org_server, start_server

H = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA}


def memory_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def envelope(tmp: Path, auth: tuple[str, str], cid: str, database_url: str, *extra: str) -> dict[str, Any]:
    proc, url = start_server(database_url, tmp, *extra)
    try:
        body = json.dumps({"objects": [{}] * 330_000}, separators=(",", ":")).encode()
        before = memory_kib(proc.pid)
        r = httpx.post(f"{url}/lockstep/collections/{cid}/objects/", content=body, headers=H, auth=auth, timeout=600)
        after = memory_kib(proc.pid)
        return {"flags": " ".join(extra) or "(defaults)", "body_bytes": len(body), "http_status": r.status_code,
                "answer_bytes": len(r.content), "rss_before_mib": round(before["VmRSS"] / 1024, 1),
                "rss_after_mib": round(after["VmRSS"] / 1024, 1), "peak_mib": round(after["VmHWM"] / 1024, 1)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def strangers(tmp: Path, database_url: str, n: int) -> dict[str, Any]:
    proc, url = start_server(database_url, tmp)
    engine = make_engine(database_url)
    try:
        def audit() -> tuple[int, int]:
            with engine.connect() as conn:
                row = conn.execute(select(func.count(), func.coalesce(func.sum(
                    func.length(audit_log.c.target) + func.coalesce(func.length(audit_log.c.detail), 0)), 0))).one()
            return int(row[0]), int(row[1])

        rows0, bytes0 = audit()
        path = "/lockstep/collections/" + "x" * 60_000 + "/objects/"
        t = time.perf_counter()
        statuses: dict[int, int] = {}
        with httpx.Client(headers=H, timeout=30) as c:
            for _ in range(n):
                code = c.get(url + path).status_code
                statuses[code] = statuses.get(code, 0) + 1
        wall = time.perf_counter() - t
        rows1, bytes1 = audit()
        return {"requests": n, "path_bytes": len(path), "answers": statuses, "seconds": round(wall, 1),
                "audit_rows_added": rows1 - rows0, "audit_text_bytes_added": bytes1 - bytes0}
    finally:
        engine.dispose()
        proc.terminate()
        proc.wait(timeout=30)


def endless_pull(tmp: Path, pages: int) -> dict[str, Any]:
    cid = str(uuid.uuid4())
    coll = f"/api/collections/{cid}/"
    served = [0]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith(coll + "objects/"):
                served[0] += 1
                n = served[0]
                objs = [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
                         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                         "pattern": f"[domain-name:value = 'p{n}-{i}.example']", "pattern_type": "stix",
                         "valid_from": "2026-01-01T00:00:00Z"} for i in range(100)]
                body = json.dumps({"more": True, "next": f"page-{n}", "objects": objs}).encode()
            else:
                body = json.dumps({"id": cid, "title": "endless", "can_read": True, "can_write": False,
                                   "media_types": ["application/stix+json;version=2.1"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", TAXII_MEDIA)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}{coll}"
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "lockstep", "share", "pull", url, "--token",
                              "lsk_0123456789abcdef.x", "--db", str(tmp / "pull.duckdb"), "--max-pages", str(pages)],
                             capture_output=True, text=True, cwd=tmp)
        wall = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {"max_pages": pages, "pages_served": served[0], "exit_status": res.returncode,
                "seconds": round(wall, 1), "client_peak_mib": round(peak / 1024, 1),
                "message": " ".join(res.stderr.split())[-240:]}
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strangers", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lockstep-abuse-") as d:
        tmp = Path(d)
        # first, while the pull is this process's only child (ru_maxrss is the largest child's)
        print(json.dumps({"endless_pull": endless_pull(tmp, args.pages)}))
        database_url = f"sqlite:///{tmp / 'server.sqlite'}"
        auth, cid = one_org_server(database_url, title="abuse")
        print(json.dumps({"envelope": envelope(tmp, auth, cid, database_url)}))
        print(json.dumps({"envelope": envelope(tmp, auth, cid, database_url, "--max-envelope-objects", "400000")}))
        print(json.dumps({"strangers": strangers(tmp, database_url, args.strangers)}))


if __name__ == "__main__":
    main()
