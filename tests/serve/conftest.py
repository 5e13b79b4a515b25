"""A real uvicorn server per backend (SQLite file; PostgreSQL in a throw-away schema), provisioned
with organisations, keys and collections through the admin library.

Organisations: ``acme`` owns the collections; ``beta`` may read ``shared``; ``gamma`` may only write
``shared``; ``delta`` has no right on ``shared``; every organisation may read ``community``
(``--read '*'``).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import stix2
from sqlalchemy import Engine

from lockstep.serve import admin
from lockstep.serve.database import make_engine, upgrade
from lockstep.serve.http import TAXII_MEDIA
from lockstep.testing import taxii

PG_BASE = os.environ.get("LOCKSTEP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORGS = ("acme", "beta", "gamma", "delta")
TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


@dataclass
class Deployment:
    backend: str
    url: str  # base URL of the server, e.g. http://127.0.0.1:PORT
    database_url: str
    engine: Engine
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    max_content_length: int = 65536

    def auth(self, org: str) -> tuple[str, str]:
        k = self.keys[org]
        return k["key_id"], k["secret"]

    def collection(self, title: str = "test", *, owner: str = "acme", read: tuple[str, ...] = (),
                   write: tuple[str, ...] = (), api_root: str = "lockstep") -> str:
        """A fresh collection, so tests never see each other's objects."""
        return str(admin.add_collection(self.engine, title=f"{title}-{uuid.uuid4().hex[:6]}", owner=owner,
                                        read=read, write=write, api_root=api_root)["id"])

    def coll_url(self, cid: str, api_root: str = "lockstep") -> str:
        return f"{self.url}/{api_root}/collections/{cid}/"

    def client(self, org: str | None) -> httpx.Client:
        return httpx.Client(auth=self.auth(org) if org else None, headers={"Accept": TAXII_MEDIA}, timeout=30)

    def post(self, org: str, cid: str, objects: list[dict[str, Any]]) -> httpx.Response:
        with self.client(org) as c:
            return c.post(self.coll_url(cid) + "objects/", json={"objects": objects},
                          headers={"Content-Type": TAXII_MEDIA})


def indicator(n: int, *, level: str | None = None, **kw: Any) -> dict[str, Any]:
    """A small, valid STIX 2.1 indicator, optionally TLP-marked."""
    extra = {"object_marking_refs": [TLP[level]]} if level else {}
    obj = stix2.Indicator(pattern=f"[domain-name:value = 'site{n}.example']", pattern_type="stix",
                          valid_from="2024-01-01T00:00:00Z", name=f"indicator {n}", **extra, **kw)
    return dict(json.loads(obj.serialize()))


def _pg_database_url() -> Iterator[str]:
    import psycopg
    schema = f"lockstep_test_{uuid.uuid4().hex[:12]}"
    plain = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    try:
        con = psycopg.connect(plain, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE} ({exc}); start it or set LOCKSTEP_TEST_PG")
    con.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in PG_BASE else "?"
        yield f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"
    finally:
        con.execute(f'DROP SCHEMA "{schema}" CASCADE')
        con.close()


def start_server(database_url: str, cwd: Path, *, max_content_length: int = 65536,
                 workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    return taxii.start_server(database_url, cwd, "--max-content-length", str(max_content_length),
                              "--workers", str(workers))


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp / 'server.sqlite'}"])
    else:
        urls = _pg_database_url()
    database_url = next(urls)
    engine = make_engine(database_url)
    upgrade(engine)
    dep = Deployment(request.param, "", database_url, engine)
    for org in ORGS:
        admin.add_org(engine, org)
        dep.keys[org] = admin.create_key(engine, org)
    proc, dep.url = start_server(database_url, tmp, max_content_length=dep.max_content_length)
    try:
        yield dep
    finally:
        stop_server(proc)
        engine.dispose()
        for _ in urls:  # runs the PostgreSQL clean-up
            pass
