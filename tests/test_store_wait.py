"""Writers wait for a reader holding the store (a `lockstep ui` request, a `lockstep networks`),
with a message naming it, up to a limit (`detect --wait`, setting `store_wait_s`), then stop with a
clear error. Real processes: DuckDB's file lock is between processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lockstep.store import Store, StoreLocked, open_waiting
from tests.conftest import DATA

HOLD = """
import sys, time
from lockstep.store import Store
s = Store(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(float(sys.argv[2]))
s.close()
"""


@contextmanager
def reader(db: Path, hold_s: float) -> Iterator[subprocess.Popen[str]]:
    """Another process with the store open read-only for ``hold_s`` seconds (as `lockstep ui` does
    while it answers a request)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(hold_s)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _lockstep(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lockstep", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    res = _lockstep("ingest", str(DATA / "bluesky_posts.jsonl"), "--db", str(path), "--dataset", "b")
    assert res.returncode == 0, res.stderr
    return path


def test_detect_waits_for_a_reader_then_runs(db: Path) -> None:
    with reader(db, 4.0) as r:
        t = time.monotonic()
        res = _lockstep("detect", "--db", str(db), "--no-signals", "--json")
        waited = time.monotonic() - t
    assert res.returncode == 0, res.stderr
    assert f"held by another process (PID {r.pid}); waiting up to 60 s" in res.stderr
    assert waited >= 2.0  # it could not start before the reader let go
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM runs WHERE dataset = 'b'") == 1


def test_detect_gives_up_after_its_wait_with_a_clear_error(db: Path) -> None:
    with reader(db, 120.0) as r:
        t = time.monotonic()
        res = _lockstep("detect", "--db", str(db), "--no-signals", "--wait", "2")
        took = time.monotonic() - t
        # the setting does the same for every writing command (ingest here); 0: do not wait
        res_ingest = _lockstep("ingest", str(DATA / "reddit_dump.ndjson"), "--db", str(db), "--dataset", "r",
                               env={"LOCKSTEP_STORE_WAIT_S": "0"})
    assert res.returncode == 2  # a StoreError: the user can act on it
    assert f"held by another process (PID {r.pid}) and was not released within 2 s" in res.stderr
    assert "Traceback" not in res.stderr and took < 60
    assert res_ingest.returncode == 2 and "was not released within 0 s" in res_ingest.stderr
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM runs") == 0
        assert s.scalar("SELECT count(*) FROM posts WHERE dataset = 'r'") == 0


def test_open_waiting_is_what_follow_uses(db: Path) -> None:
    from lockstep.follow import loop

    with reader(db, 60.0), pytest.raises(StoreLocked, match="not released within 1 s"):
        loop.open_store(db, patience_s=1.0)
    told: list[str] = []
    with reader(db, 1.5), open_waiting(db, wait_s=30, on_wait=told.append) as s:
        assert s.scalar("SELECT count(*) FROM posts") > 0
    assert len(told) == 1 and "waiting up to 30 s" in told[0]


def test_a_bad_store_wait_setting_is_refused(db: Path) -> None:
    res = _lockstep("detect", "--db", str(db), "--no-signals", env={"LOCKSTEP_STORE_WAIT_S": "soon"})
    assert res.returncode == 2 and "store_wait_s" in res.stderr and "at least 0" in res.stderr
