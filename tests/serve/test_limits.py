"""Resource limits of the server: objects per envelope, status size, audit rows of strangers, page
bytes, filter sizes, pattern size; and the small ones: discovery ignores the Host header, 0600 files.

Most tests run the app in process (FastAPI's test client) with low limits on a fresh SQLite file;
the Host header test also runs against the real uvicorn deployment.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from taxii2client.v21 import Status

from lockstep.serve.app import create_app
from lockstep.serve.database import make_engine, upgrade
from lockstep.serve.http import TAXII_MEDIA
from lockstep.serve.schema import audit_log, objects
from lockstep.serve.settings import ServeSettings
from lockstep.testing.taxii import one_org_server
from tests.serve.conftest import Deployment, indicator

H = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA}


@dataclass
class Server:
    client: TestClient
    auth: tuple[str, str]
    base: str  # objects URL of a collection
    database_url: str

    def post(self, objs: list[Any]) -> Any:
        return self.client.post(self.base, auth=self.auth, headers=H, content=json.dumps({"objects": objs}))

    def count(self, table: Any) -> int:
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """``serve(**settings)``: a server with those settings and one collection owned by ``acme``."""
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    auth, cid = one_org_server(url, title="limits")
    clients: list[TestClient] = []

    def make(**settings: Any) -> Server:
        c = TestClient(create_app(ServeSettings(database_url=url, **settings)), raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return Server(c, auth, f"/lockstep/collections/{cid}/objects/", url)

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _error(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == TAXII_MEDIA and r.json()["http_status"] == str(status)
    return str(r.json().get("description", ""))


def test_an_envelope_of_many_tiny_objects_is_413_with_defaults(serve: Any) -> None:
    srv = serve()
    body = json.dumps({"objects": [{}] * 10_001})
    assert len(body) < 100_000  # far under max_content_length: only the object count stops it
    r = srv.client.post(srv.base, auth=srv.auth, headers=H, content=body)
    assert "10001 objects" in _error(r, 413) and "--max-envelope-objects" in r.json()["description"]
    assert srv.count(objects) == 0
    srv = serve(max_envelope_objects=3)
    assert srv.post([indicator(i) for i in range(3)]).status_code == 202
    assert "at most 3 per request" in _error(srv.post([indicator(i) for i in range(10, 14)]), 413)
    assert srv.count(objects) == 3


def test_a_status_past_the_bound_counts_failures_per_reason(serve: Any) -> None:
    srv = serve()
    r = srv.post([{}] * 5000 + [indicator(1)])  # default bound: 1000 entries per list
    assert r.status_code == 202
    st = r.json()
    assert st["total_count"] == 5001 and st["failure_count"] == 5000 and st["success_count"] == 1
    assert "failures" not in st and len(st["successes"]) == 1
    assert sum(st["x_lockstep_failure_reasons"].values()) == 5000
    assert len(st["x_lockstep_failures_sample"]) == 20
    assert len(r.content) < 20_000
    again = srv.client.get(f"/lockstep/status/{st['id']}/", auth=srv.auth, headers=H).json()
    assert again == st
    Status("http://x/lockstep/status/x/", status_info=st)  # still a valid status for TAXII clients
    srv = serve(max_status_details=2)
    st = srv.post([indicator(i) for i in range(3)] + [{"type": "indicator"}]).json()
    assert st["success_count"] == 3 and "successes" not in st
    assert len(st["failures"]) == 1  # a list within the bound is kept


def test_unauthenticated_audit_rows_are_short_and_rate_limited(serve: Any) -> None:
    srv = serve(audit_unauthenticated_per_minute=5)
    before = srv.count(audit_log)
    long_path = "/lockstep/collections/" + "x" * 60_000 + "/objects/"
    for _ in range(40):
        assert srv.client.get(long_path, headers=H).status_code == 401
        assert srv.client.get(long_path, headers=H, auth=("lsk_0123456789abcdef", "wrong")).status_code == 401
    engine = make_engine(srv.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.id > before)).all()
    engine.dispose()
    assert len(rows) == 6  # 5 rows, then one saying the rest of the minute is only counted
    assert all(len(r.target) < 600 for r in rows)
    assert "(+" in rows[0].target and "is counted, not recorded" in rows[-1].detail


def test_the_limiter_counts_what_it_left_out_and_forgets_old_addresses() -> None:
    from lockstep.serve.audit import UnauthenticatedLimiter
    lim = UnauthenticatedLimiter(2, max_sources=3)
    assert [lim.admit("a", now=0)[0] for _ in range(5)] == [True, True, True, False, False]
    write, note = lim.admit("a", now=61)
    assert write and note is not None and note.startswith("3 earlier unauthenticated request(s)")
    for addr in ("b", "c", "d"):
        lim.admit(addr, now=62)
    assert len(lim._seen) == 3 and "a" not in lim._seen


def test_pages_are_bounded_in_bytes(serve: Any) -> None:
    srv = serve(max_page_bytes=4096)
    objs = [indicator(i, description="x" * 900) for i in range(12)]
    objs.append(indicator(99, description="y" * 8000))  # alone over the bound: served alone
    assert srv.post(objs).json()["success_count"] == 13
    seen: list[str] = []
    params: dict[str, str] = {"limit": "1000"}
    sizes = []
    while True:
        r = srv.client.get(srv.base, params=params, auth=srv.auth, headers=H)
        page = r.json()
        seen += [o["id"] for o in page["objects"]]
        sizes.append(len(page["objects"]))
        if not page["more"]:
            break
        params["next"] = page["next"]
    assert seen == [o["id"] for o in objs]  # all, in order, none twice
    assert max(sizes) <= 4 and sizes[-1] == 1 and len(sizes) >= 4


@pytest.mark.parametrize("params", [
    {"next": base64.urlsafe_b64encode(json.dumps({"v": 1, "s": 2**70}).encode()).decode()},
    {"next": base64.urlsafe_b64encode(b'{"v": 1, "s": true}').decode()},
    {"match[id]": ",".join(f"indicator--{i:08d}-0000-4000-8000-000000000000" for i in range(1001))},
    {"match[type]": ",".join(f"t{i}" for i in range(1001))}])
def test_huge_tokens_and_filters_are_400(serve: Any, params: dict[str, str]) -> None:
    srv = serve()
    assert srv.post([indicator(1)]).status_code == 202
    _error(srv.client.get(srv.base, params=params, auth=srv.auth, headers=H), 400)


def test_deep_and_long_patterns_fail_in_the_status_not_500(serve: Any) -> None:
    srv = serve()
    deep = dict(indicator(1), pattern="(" * 3000 + "[domain-name:value = 'a.example']" + ")" * 3000)
    long = dict(indicator(2), pattern=" OR ".join(f"[domain-name:value = 'a{i}.example']" for i in range(20_000)))
    fine = dict(indicator(3), pattern="(" * 5 + "[domain-name:value = 'a.example']" + ")" * 5)
    r = srv.post([deep, long, fine])
    assert r.status_code == 202, r.text
    st = r.json()
    assert st["success_count"] == 1 and st["successes"][0]["id"] == fine["id"]
    why = {f["id"]: f["message"] for f in st["failures"]}
    assert "nests 3001 levels" in why[deep["id"]] and "at most 8192" in why[long["id"]]


def test_discovery_names_the_configured_public_url_not_the_host_header(serve: Any) -> None:
    srv = serve(public_url="https://taxii.example.org/base")
    body = srv.client.get("/taxii2/", auth=srv.auth, headers={**H, "Host": "evil.example"}).json()
    assert body["api_roots"] == ["https://taxii.example.org/base/lockstep/"]
    assert body["default"] == "https://taxii.example.org/base/lockstep/"


def test_a_deployed_server_derives_its_public_url_from_the_bind_address(deployment: Deployment) -> None:
    deployment.collection("discovery")  # creates the API root
    with deployment.client("acme") as c:
        body = c.get(deployment.url + "/taxii2/", headers={"Host": "evil.example"}).json()
    assert body["api_roots"] and all(u.startswith(deployment.url + "/") for u in body["api_roots"]), body


def test_server_settings_are_checked() -> None:
    from lockstep.errors import ConfigError
    with pytest.raises(ConfigError, match="--max-envelope-objects"):
        ServeSettings(database_url="sqlite://", max_envelope_objects=0)
    with pytest.raises(ConfigError, match="public URL 'ftp://x'"):
        ServeSettings(database_url="sqlite://", public_url="ftp://x")
    env = ServeSettings(database_url="sqlite://", max_page_bytes=5000, public_url="https://a.example").to_env()
    assert env["LOCKSTEP_SERVE_MAX_PAGE_BYTES"] == "5000" and env["LOCKSTEP_PUBLIC_URL"] == "https://a.example/"


def test_a_new_sqlite_server_file_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
        upgrade(engine)
        with engine.connect() as conn:  # WAL mode: the -wal and -shm files exist while connected
            made = [p for p in tmp_path.iterdir() if p.name.startswith("new.sqlite")]
            assert len(made) == 3
            assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o600 for p in made}
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    finally:
        os.umask(old)


def test_worker_processes_read_every_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    want = ServeSettings(database_url="sqlite:///w.sqlite", max_envelope_objects=7, max_status_details=3,
                         max_page_bytes=2048, max_match_values=9, max_pattern_length=100,
                         audit_unauthenticated_per_minute=4, public_url="https://taxii.example.org/")
    for k, v in want.to_env().items():
        monkeypatch.setenv(k, v)
    assert ServeSettings.from_env() == want
    monkeypatch.setenv("LOCKSTEP_SERVE_MAX_PAGE_BYTES", "lots")
    from lockstep.errors import ConfigError
    with pytest.raises(ConfigError, match=r"LOCKSTEP_SERVE_MAX_PAGE_BYTES must be an integer\. Got 'lots'"):
        ServeSettings.from_env()
