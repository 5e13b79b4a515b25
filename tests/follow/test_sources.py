"""The sources of ``lockstep follow``: a folder, standard input, Jetstream through disconnects."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lockstep.errors import ConfigError
from lockstep.follow.sources import DirectorySource, JetstreamSource, with_cursor
from lockstep.store import Store
from lockstep.testing.jetstream import ReplayServer

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_file_is_read_once_it_stops_changing_and_again_when_it_grows(tmp_path: Path) -> None:
    src = DirectorySource(tmp_path, settle_s=0.3)
    f = tmp_path / "posts.jsonl"
    f.write_text('{"a": 1}\n')
    assert src.poll(0.1) == []  # just seen: not settled yet
    time.sleep(0.4)
    [batch] = src.poll(0.1)
    assert batch.path == f and batch.source == f"dir:{f.resolve()}"
    batch.done()
    time.sleep(0.4)
    assert src.poll(0.1) == []  # unchanged since it was stored
    with open(f, "a") as fh:
        fh.write('{"a": 2}\n')
    assert src.poll(0.1) == []
    time.sleep(0.4)
    assert [b.path for b in src.poll(0.1)] == [f]
    # A restart with the stored positions does not read a stored file again.
    again = DirectorySource(tmp_path, settle_s=0.0, positions={batch.source: f"{f.stat().st_size}:{f.stat().st_mtime_ns}"})
    again.poll(0.0)
    assert again.poll(0.0) == []


def test_jetstream_reconnects_with_its_cursor_and_loses_nothing(tmp_path: Path) -> None:
    events = [{"did": f"did:plc:a{i % 7}", "time_us": 1_700_000_000_000_000 + i * 1000, "kind": "commit",
               "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": f"r{i}",
                          "record": {"$type": "app.bsky.feed.post", "text": f"post {i}"}}} for i in range(500)]
    events.append({**events[0], "time_us": events[-1]["time_us"] + 1,
                   "commit": {**events[0]["commit"], "collection": "app.bsky.feed.like", "rkey": "like"}})
    got: list[int] = []
    with ReplayServer(events, drop_every=120) as server:
        src = JetstreamSource(server.url, tmp_path / "spool", batch=100, backoff_s=0.05)
        deadline = time.monotonic() + 30
        while len(set(got)) < 500 and time.monotonic() < deadline:
            for b in src.poll(0.2):
                got += [json.loads(line)["time_us"] for line in b.path.read_text().splitlines()]
                assert int(b.position) == max(got)
                b.done()
        src.close()
    assert sorted(set(got)) == [e["time_us"] for e in events[:500]]  # every post; the like was not asked for
    assert len(server.connections) >= 5 and server.connections[0] is None
    # Each reconnection resumed at the last event received: at most that one event came twice.
    assert len(got) - 500 <= len(server.connections) - 1


def test_jetstream_url_is_checked_and_asks_for_posts() -> None:
    url = with_cursor("wss://jet.example/subscribe", 42)
    assert "wantedCollections=app.bsky.feed.post" in url and url.endswith("cursor=42")
    assert "wantedCollections=x" in with_cursor("ws://h/subscribe?wantedCollections=x&cursor=1", None)
    assert "cursor" not in with_cursor("ws://h/subscribe?cursor=1", None)
    with pytest.raises(ConfigError, match="ws://"):
        with_cursor("https://jet.example", None)


def test_stdin_follow_stores_what_it_read_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    lines = (DATA / "bluesky_posts.jsonl").read_text().splitlines()
    proc = subprocess.Popen([sys.executable, "-m", "lockstep", "follow", "--stdin", "--format", "bluesky", "--db",
                             str(db), "--every", "1h", "--quiet"], stdin=subprocess.PIPE, env=os.environ)
    assert proc.stdin is not None
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()  # stdin stays open: follow waits for more
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and not stored:
        time.sleep(0.5)
        try:
            with Store(db, read_only=True) as store:
                stored = store.scalar("SELECT count(*) FROM posts")
        except Exception:  # the follower holds the store right now
            continue
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM posts") == stored > 0
        assert store.scalar("SELECT position FROM follow_state WHERE source = 'stdin'") == str(len(lines))


def test_a_source_is_required(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "lockstep", "follow", "--db", str(tmp_path / "x.duckdb")],
                         capture_output=True, text=True, env=os.environ)
    assert res.returncode == 2 and "--dir FOLDER, --stdin or --jetstream URL" in res.stderr
