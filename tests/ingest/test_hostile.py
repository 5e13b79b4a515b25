"""One bad record never aborts a run, and one record or file cannot take unbounded memory.

The corpus under ``tests/data/hostile/`` (written by its ``make_corpus.py``) holds the shapes a
broken tool or an attacker produces: lone surrogates, ``includes`` as a list, ``entities`` or
``referenced_tweets`` as strings, JSON nested thousands deep, a decompression bomb.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from lockstep import registry
from lockstep.config import Settings
from lockstep.errors import ConfigError
from lockstep.ingest.base import ReadOptions
from lockstep.ingest.guard import Limits
from lockstep.ingest.pipeline import _Stager, ingest_file, ingest_paths
from lockstep.model import Post
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import quarantine_by_line

HOSTILE = DATA / "hostile"
TWEET = {"id": "1", "author_id": "9", "created_at": "2021-01-01T00:00:00Z", "text": "hi", "__twarc": {}}


def test_twarc_hostile_records_are_quarantined_and_the_rest_stored(store: Store) -> None:
    s = ingest_file(store, HOSTILE / "twarc_hostile.jsonl", fmt="twarc2_jsonl", dataset="h")
    ids = {r[0] for r in store.rows("SELECT post_id FROM posts")}
    # Lines 1 and 10 are good; line 9's odd referenced_tweets entries are skipped, the tweet kept.
    assert ids == {"100", "109", "108"}
    q = quarantine_by_line(store)
    assert sorted(q) == [2, 3, 4, 5, 6, 7, 8]
    assert "surrogate" in q[2]
    assert "'includes' should be an object, got list" in q[3]
    assert "field entities: should be an object, got str" in q[4]
    assert "field referenced_tweets: should be a list, got str" in q[5]
    assert "nested more than 1,024 levels" in q[6]
    assert "'includes.users' should be a list" in q[8]
    assert s.accounted() == s.records_read
    raws = [r[0] for r in store.rows("SELECT raw FROM quarantine")]
    assert all(len(r) < 10_100 for r in raws)


def test_table_adapter_hostile_rows(store: Store) -> None:
    opts = ReadOptions(platform="x", mapping={"account_id": "user", "time": "when", "text": "msg"})
    s = ingest_file(store, HOSTILE / "table_hostile.jsonl", fmt="table", dataset="t", options=opts)
    assert sorted(r[0] for r in store.rows("SELECT account_id FROM posts")) == ["a", "c"]
    q = quarantine_by_line(store)
    assert sorted(q) == [2, 3, 4]
    assert "surrogate" in q[2] and "1,024 levels" in q[3]
    assert s.posts_stored == 2 and s.quarantined == 3


def test_a_hostile_file_does_not_stop_the_files_after_it(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(TWEET) + "\n")
    out = ingest_paths(store, [HOSTILE / "twarc_hostile.jsonl", good], fmt="twarc2_jsonl", dataset="d")
    assert [o.error for o in out] == [None, None]
    assert out[1].posts_stored == 1


class _Breaks:
    """A plug-in with a bug: two posts, then an exception of its own."""

    name: ClassVar[str] = "breaks_midway"
    description: ClassVar[str] = "test plug-in"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        return 0.0

    def read(self) -> Any:
        from datetime import datetime

        for i in (1, 2):
            yield Post(platform="x", post_id=str(i), account_id="a", time=datetime(2021, 1, 1), source_line=i)
        raise RuntimeError("plug-in bug")


def test_an_adapter_failing_midway_keeps_what_it_read(store: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.plugins("lockstep.adapters"), _Breaks.name, _Breaks)
    f = tmp_path / "f.txt"
    f.write_text("x\n")
    s = ingest_file(store, f, fmt=_Breaks.name, dataset="b")
    assert s.posts_stored == 2
    (line, reason), = store.rows("SELECT line, reason FROM quarantine")
    assert line == 2 and reason.startswith("reading stopped after 2 records") and "plug-in bug" in reason


def test_a_value_that_cannot_be_stored_quarantines_its_record_only() -> None:
    from datetime import datetime

    stager = _Stager("d", "test", "f")
    stager.add(Post(platform="x", post_id="1", account_id="a", time=datetime(2021, 1, 1), text="ok", source_line=1))
    stager.add(Post(platform="x", post_id="2", account_id="a", time=datetime(2021, 1, 1), text="bad \ud800",
                    source_line=2))
    staged = stager.flush()
    assert staged.posts.column("post_id").to_pylist() == ["1"]
    (q,) = staged.quarantine
    assert q.column("line").to_pylist() == [2]
    assert "cannot be stored" in q.column("reason")[0].as_py()


# -- bounded memory ----------------------------------------------------------------------------


def test_decompression_bomb_is_stopped_by_the_ratio_guard(store: Store) -> None:
    bomb = HOSTILE / "bomb.jsonl.zst"
    assert bomb.stat().st_size < 20_000
    s = ingest_file(store, bomb, fmt="twarc2_jsonl", dataset="z")
    assert s.posts_stored == 1
    (reason,) = [r[0] for r in store.rows("SELECT reason FROM quarantine")]
    assert "expands more than 1,000 times" in reason and "max_expansion_ratio" in reason


def test_with_the_ratio_raised_the_record_limit_refuses_the_huge_line(store: Store) -> None:
    opts = ReadOptions(limits=Limits(max_record_bytes=1 << 20, max_expansion_ratio=10**9))
    s = ingest_file(store, HOSTILE / "bomb.jsonl.zst", fmt="twarc2_jsonl", dataset="z", options=opts)
    assert s.posts_stored == 1
    assert store.rows("SELECT line FROM quarantine") == [(2,)]
    (reason,) = [r[0] for r in store.rows("SELECT reason FROM quarantine")]
    assert "larger than the limit of 1,048,576 bytes" in reason and "max_record_bytes" in reason
    (raw,) = [r[0] for r in store.rows("SELECT raw FROM quarantine")]
    assert len(raw) <= 10_100


def _io_csv(path: Path, big_field: int) -> None:
    head = "tweetid,userid,user_screen_name,tweet_time,tweet_text\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head)
        fh.write("1,u1,one,2016-07-01 00:00,first\n")
        fh.write("2,u1,one,2016-07-01 00:01," + "x" * big_field + "\n")
        fh.write("3,u1,one,2016-07-01 00:02,third\n")


def test_a_50_mb_field_is_a_per_row_error_with_its_line(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "io_tweets_csv_hashed.csv"
    _io_csv(f, 50_000_000)
    s = ingest_file(store, f, fmt="twitter_io_tweets", dataset="io")
    assert sorted(r[0] for r in store.rows("SELECT post_id FROM posts")) == ["1", "3"]
    q = quarantine_by_line(store)
    assert list(q) == [3] and "larger than the limit of 16,777,216 bytes" in q[3]
    assert s.quarantined == 1


def test_a_50_mb_field_in_the_columnar_csv_reader(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "ira.csv"
    with open(f, "w", encoding="utf-8") as fh:
        fh.write("author,content,publish_date,account_category\n")
        fh.write("a,first,2016-07-01 00:00:00,RightTroll\n")
        fh.write("a," + "x" * 50_000_000 + ",2016-07-01 00:01:00,RightTroll\n")
        fh.write("a,third,2016-07-01 00:02:00,RightTroll\n")
    ingest_file(store, f, fmt="ira_csv", dataset="ira")
    assert sorted(r[0] for r in store.rows("SELECT text FROM posts")) == ["first", "third"]
    q = quarantine_by_line(store)
    assert list(q) == [3] and "larger than the limit" in q[3]


def test_a_smaller_record_limit_applies_in_every_reader(store: Store, tmp_path: Path) -> None:
    opts = ReadOptions(limits=Limits(max_record_bytes=10_000))
    f = tmp_path / "io_tweets_csv_hashed.csv"
    _io_csv(f, 20_000)
    ingest_file(store, f, fmt="twitter_io_tweets", dataset="io", options=opts)
    assert list(quarantine_by_line(store)) == [3]
    g = tmp_path / "ira.csv"
    g.write_text("author,content,publish_date\na,one,2016-07-01 00:00:00\na," + "y" * 20_000
                 + ",2016-07-01 00:01:00\na,three,2016-07-01 00:02:00\n")
    ingest_file(store, g, fmt="ira_csv", dataset="ira", options=opts)
    assert store.rows("SELECT line FROM quarantine WHERE dataset = 'ira'") == [(3,)]
    assert store.scalar("SELECT count(*) FROM posts WHERE dataset = 'ira'") == 2


def test_limits_are_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCKSTEP_MAX_RECORD_BYTES", "1_000_000")
    monkeypatch.setenv("LOCKSTEP_MAX_EXPANSION_RATIO", "50")
    s = Settings.load()
    assert (s.max_record_bytes, s.max_expansion_ratio) == (1_000_000, 50)
    monkeypatch.setenv("LOCKSTEP_MAX_RECORD_BYTES", "lots")
    with pytest.raises(ConfigError, match=r"max_record_bytes.*'lots'"):
        Settings.load()
