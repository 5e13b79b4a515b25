"""``lockstep replay``: posts in time order as NDJSON; Lockstep posts as Jetstream events."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from lockstep.testing.jetstream import load_posts, post_event


def _posts(tmp_path: Path) -> Path:
    rows = [
        {"platform": "x", "post_id": "2", "account_id": "a", "time": "2024-03-01 10:00:00", "text": "later",
         "urls": ["https://example.org/a"], "hashtags": ["vote"]},
        {"platform": "x", "post_id": "1", "account_id": "b", "time": "2024-03-01 09:00:00", "text": "first",
         "reply_to_post": "9", "reply_to_account": "c"},
        {"platform": "x", "post_id": "3", "account_id": "a", "time": "2024-03-01 11:00:00",
         "repost_of_post": "1", "repost_of_account": "b"},
    ]
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_replay_prints_posts_oldest_first(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["replay", str(_posts(tmp_path))])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.output.splitlines()]
    assert [r["post_id"] for r in out] == ["1", "2", "3"] and "_t" not in out[0]


def test_posts_as_jetstream_events_read_back_by_the_bluesky_adapter(tmp_path: Path) -> None:
    rows, events = load_posts([_posts(tmp_path)])
    assert events == []
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(post_event(r)) + "\n" for r in rows))
    with Store(tmp_path / "s.duckdb") as store:
        summary = ingest_file(store, path)
        got = store.query("SELECT post_id, account_id, time, urls, hashtags, reply_to_post, repost_of_post "
                          "FROM posts ORDER BY time").to_pylist()
    assert summary.adapter == "bluesky" and summary.posts_stored == 3
    assert [g["account_id"] for g in got] == ["did:plc:b", "did:plc:a", "did:plc:a"]
    assert got[0]["reply_to_post"] == "at://did:plc:c/app.bsky.feed.post/9"
    assert got[1]["hashtags"] == ["vote"] and got[1]["urls"][0].startswith("https://example.org/a")
    assert got[2]["repost_of_post"] == "at://did:plc:b/app.bsky.feed.post/1"
    assert str(got[0]["time"]) == "2024-03-01 09:00:00"
