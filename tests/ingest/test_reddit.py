"""The Reddit adapter on Pushshift/Arctic Shift-shaped submissions and comments, plain and .zst."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import zstandard

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

FIXTURE = DATA / "reddit_dump.ndjson"


def test_counts_and_accounting(store: Store) -> None:
    s = ingest_file(store, FIXTURE, fmt="reddit")
    assert (s.posts_stored, s.duplicates, s.quarantined, s.account_records) == (7, 1, 5, 1)
    assert s.records_read == s.accounted() == 14


def test_fields(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="reddit")
    posts = posts_by_id(store)
    sub = posts["t3_abc1"]
    assert sub["time"] == datetime(2020, 9, 13, 12, 26, 40)
    assert sub["urls"] == ["https://fakenews.com/story"]  # fbclid dropped
    assert sub["domains"] == ["fakenews.com"]
    assert sub["hashtags"] == [] and sub["reply_to_post"] is None
    self_post = posts["t3_abc2"]  # float-as-text time; self link not counted as a URL
    assert self_post["time"] == datetime(2020, 9, 13, 12, 27, 30, 500000)
    assert self_post["urls"] == ["https://example.org/page"]
    assert self_post["mentions"] == ["bob_r", "carol_r"]
    assert self_post["text"].startswith("Thoughts\n\nSee")
    assert posts["t1_c1"]["reply_to_post"] == "t3_abc1"
    assert posts["t1_c2"]["reply_to_post"] == "t1_c1"
    assert posts["t1_c2"]["account_id"] == "carol_r" and posts["t1_c2"]["handle"] == "Carol_R"
    cross = posts["t3_abc3"]
    assert (cross["repost_of_post"], cross["repost_of_account"]) == ("t3_abc1", "alice_r")
    assert posts["t1_c4"]["text"] == "[removed]"  # removed text, living author: kept
    assert accounts_by_id(store)["harry_r"]["created_at"] == datetime(2010, 1, 1)


def test_quarantine_reasons(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="reddit")
    q = quarantine_by_line(store)
    assert set(q) == {5, 8, 9, 10, 13}
    assert q[5].startswith("author is '[deleted]'")
    assert q[8] == "record has no 'id' (or 'name')"
    assert q[9] == "field 'created_utc' should be a Unix time, got 'yesterday'"
    assert q[10].startswith("line is not valid JSON")
    assert q[13].startswith("not a Reddit submission or comment")


def test_zstd_with_long_window(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "RC_2020-09.zst"
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27)
    path.write_bytes(zstandard.ZstdCompressor(compression_params=params).compress(FIXTURE.read_bytes()))
    assert detect_format(path) == "reddit"
    s = ingest_file(store, path)
    assert (s.adapter, s.posts_stored, s.quarantined) == ("reddit", 7, 5)


def test_twice_adds_nothing(store: Store) -> None:
    ingest_file(store, FIXTURE)
    again = ingest_file(store, FIXTURE)
    assert (again.posts_stored, again.accounts_stored, again.duplicates) == (0, 0, 8)
    assert store.scalar("SELECT count(*) FROM quarantine") == 5


def test_not_reddit_is_refused(store: Store) -> None:
    with pytest.raises(SourceError, match=r"bluesky_posts\.jsonl.*Reddit NDJSON"):
        ingest_file(store, DATA / "bluesky_posts.jsonl", fmt="reddit")
