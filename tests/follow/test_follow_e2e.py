"""``lockstep follow`` end to end: a Jetstream replay server, a kill -9 in the middle, a restart.

The posts are a small synthetic benchmark (planted operations in an organic crowd) turned into
Bluesky Jetstream events and served by the replay server in accelerated time (a week in ~30 s);
``follow`` re-detects every 12 hours of post time over the last 7 days. The first run is killed with SIGKILL just after its
first alert, while the stream goes on; the second resumes from the stored cursor and stops when the stream goes idle. Then every
event must be stored exactly once, the cursor must point at the last event, and the alert log must
hold each alert once, the same alerts as the store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from lockstep.testing.jetstream import ReplayServer, load_posts, post_event


def _follow(url: str, db: Path, alerts: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lockstep", "follow", "--jetstream", url, "--db", str(db), "--clock", "data",
         "--every", "12h", "--window", "7d", "--batch", "300", "--alerts-jsonl", str(alerts), "--quiet", *extra],
        env=os.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.timeout(300)
def test_follow_survives_kill_9_and_stores_every_post_once(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    res = CliRunner().invoke(cli, ["synth", "--posts", "10000", "--days", "4", "--seed", "5", "--out", str(out),
                                   "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    rows, _ = load_posts([out / "posts.jsonl"])
    events = [post_event(r) for r in rows]
    db, alerts = tmp_path / "live.duckdb", tmp_path / "alerts.jsonl"
    with ReplayServer(events, speed=7 * 86400 / 30) as server:
        first = _follow(server.url, db, alerts)
        deadline = time.monotonic() + 120
        while not alerts.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)  # kill once the first alert is out: detections have run, the stream goes on
        time.sleep(0.5)
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
        with Store(db, read_only=True) as store:
            stored_before = store.scalar("SELECT count(*) FROM posts")
        assert stored_before > 0 and alerts.exists()
        second = _follow(server.url, db, alerts, "--exit-idle", "10s")
        _, err = second.communicate(timeout=240)
        assert second.returncode == 0, err.decode()[-3000:]
        assert server.connections[0] is None and server.connections[1] is not None  # resumed by cursor
    with Store(db, read_only=True) as store:
        total, distinct = store.rows("SELECT count(*), count(DISTINCT post_id) FROM posts")[0]
        cursor = store.scalar("SELECT position FROM follow_state WHERE source = 'jetstream'")
        stored_alerts = {r[0] for r in store.rows("SELECT alert_id FROM alerts WHERE delivered_at IS NOT NULL")}
        undelivered = store.scalar("SELECT count(*) FROM alerts WHERE delivered_at IS NULL")
        nets = store.scalar("SELECT count(*) FROM networks")
    assert total == distinct == len(events)
    assert int(cursor) == max(e["time_us"] for e in events)
    logged = [json.loads(line)["alert_id"] for line in alerts.read_text().splitlines()]
    assert len(logged) == len(set(logged)), "an alert was written twice"
    assert set(logged) == stored_alerts and undelivered == 0
    assert nets >= 1 and logged, "the planted operations should raise alerts"
