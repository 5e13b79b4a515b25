"""A real ``lockstep ingest`` process killed with SIGKILL in the middle of a big file leaves the
store exactly as it was before that file, and the same file then ingests fully."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA

ROWS = 120_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs /proc to see how far the reader got"),
]


def _write_big_reddit_file(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(ROWS):
            fh.write(json.dumps({
                "id": f"x{i}", "body": f"comment {i} https://site{i % 97}.example.com/p/{i}",
                "link_id": "t3_root", "parent_id": "t3_root", "subreddit": "test",
                "author": f"user{i % 5000}", "created_utc": 1_600_000_000 + i,
            }) + "\n")


def _read_position(pid: int, target: Path) -> int | None:
    """How far process ``pid`` has read into ``target`` (from its open file descriptors)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if Path(os.readlink(fd)) == target:
                    for line in (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text().splitlines():
                        if line.startswith("pos:"):
                            return int(line.split()[1])
            except OSError:
                continue
    except OSError:
        return None
    return None


def _snapshot(store: Store) -> dict[str, object]:
    return {
        "posts": store.rows("SELECT * FROM posts ORDER BY ALL"),
        "accounts": store.rows("SELECT * FROM accounts ORDER BY ALL"),
        "quarantine": store.rows("SELECT * FROM quarantine ORDER BY ALL"),
        "files": store.rows("SELECT * FROM ingested_files ORDER BY ALL"),
    }


def test_kill_mid_file_leaves_store_as_before(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    big = tmp_path / "RC_big.ndjson"
    _write_big_reddit_file(big)
    with Store(db) as store:
        ingest_file(store, DATA / "bluesky_posts.jsonl", dataset="crash")
        before = _snapshot(store)
    size = big.stat().st_size
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockstep", "ingest", str(big), "--db", str(db), "--format", "reddit",
         "--dataset", "crash"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        pos = None
        while time.monotonic() < deadline and proc.poll() is None:
            pos = _read_position(proc.pid, big.resolve())
            if pos is not None and size * 0.2 < pos < size * 0.8:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the ingest finished before it could be killed mid-file"
        assert pos is not None and pos < size * 0.8, f"reader position {pos} of {size}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Store(db) as store:
        assert _snapshot(store) == before
        summary = ingest_file(store, big, fmt="reddit", dataset="crash")
        assert (summary.posts_stored, summary.quarantined) == (ROWS, 0)
        assert store.scalar("SELECT count(*) FROM posts WHERE platform = 'reddit'") == ROWS
        assert store.scalar("SELECT count(*) FROM ingested_files") == 2
