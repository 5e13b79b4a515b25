"""A sharing server to talk to, for tests, benchmarks and fuzzing: a database with one
organisation, key and collection, and a real ``lockstep serve`` (or ``lockstep ui``) process on
loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lockstep.serve import admin
from lockstep.serve.database import make_engine, upgrade


def one_org_server(database_url: str, *, org: str = "acme", title: str = "test") -> tuple[tuple[str, str], str]:
    """Create the schema at ``database_url``, organisation ``org`` with an API key and a collection
    it owns. Returns ``((key_id, secret), collection_id)``."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        admin.add_org(engine, org)
        key = admin.create_key(engine, org)
        cid = str(admin.add_collection(engine, title=title, owner=org)["id"])
    finally:
        engine.dispose()
    return (key["key_id"], key["secret"]), cid


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, cwd: Path, *args: str, timeout_s: float = 60.0
                 ) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``lockstep serve`` on a free loopback port (``args`` are more serve flags) as a real
    process, and return it and its base URL once discovery answers. Its log goes to
    ``cwd/server-PORT.log``; a server that exits or does not answer in time is an error quoting it."""
    return start_command(["serve", "--database-url", database_url, "--no-access-log", *args], cwd, "/taxii2/",
                         timeout_s=timeout_s)


def start_command(argv: list[str], cwd: Path, ready_path: str, *, timeout_s: float = 60.0
                  ) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``lockstep ARGV --host 127.0.0.1 --port PORT`` (a server command: ``serve``, ``ui``) on a
    free loopback port, and return it and its base URL once ``ready_path`` answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKSTEP_")}
    log_path = cwd / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lockstep", *argv, "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(url + ready_path, timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"server did not start within {timeout_s:g} s; see {log_path}")
