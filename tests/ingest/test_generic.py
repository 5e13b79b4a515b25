"""The mapped table adapter: --map, --platform, flexible times, CSV and JSONL."""

from __future__ import annotations

from datetime import datetime

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.base import ReadOptions
from lockstep.ingest.normalize import content_id
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import posts_by_id, quarantine_by_line

CSV = DATA / "ingest" / "table.csv"
JSONL = DATA / "ingest" / "table.jsonl"
CSV_MAP = {"post_id": "msg_id", "account_id": "user", "time": "created", "text": "message",
           "urls": "link list", "platform": "plat"}


def test_csv_with_mapping(store: Store) -> None:
    s = ingest_file(store, CSV, fmt="table", options=ReadOptions(platform="facebook", mapping=CSV_MAP))
    assert (s.posts_stored, s.quarantined, s.zone_unknown) == (4, 2, 1)
    posts = posts_by_id(store)
    assert posts["m1"]["time"] == datetime(2021, 1, 1, 9, 0) and posts["m1"]["urls"] == ["https://example.com/a"]
    assert posts["m2"]["time"] == datetime(2021, 1, 1, 10, 0) and posts["m2"]["platform"] == "facebook"
    assert posts["m3"]["time"] == datetime(2021, 1, 1, 10, 0) and posts["m3"]["platform"] == "vk"  # epoch ms
    assert posts["m6"]["time_zone_known"] is False
    q = quarantine_by_line(store)
    assert q[5] == "column user: empty, every post needs an account id"
    assert q[6] == "column created: 'tomorrow' is not a date"


def test_jsonl_nested_keys_and_content_ids(store: Store) -> None:
    mapping = {"account_id": "user.id", "time": "created", "text": "body", "hashtags": "tags"}
    s = ingest_file(store, JSONL, fmt="table", options=ReadOptions(platform="facebook", mapping=mapping))
    assert (s.posts_stored, s.duplicates, s.quarantined) == (1, 1, 1)
    (post,) = posts_by_id(store).values()
    assert post["post_id"] == content_id("u9", "2021-02-01T00:00:00", "nested user")
    assert post["hashtags"] == ["a", "b"] and post["account_id"] == "u9"


def test_platform_is_required(store: Store) -> None:
    with pytest.raises(SourceError, match="--platform"):
        ingest_file(store, JSONL, fmt="table", options=ReadOptions(mapping={"account_id": "user.id", "time": "created"}))
    with pytest.raises(SourceError, match="account_id"):
        ingest_file(store, JSONL, fmt="table", options=ReadOptions(platform="x", mapping={"time": "created"}))
    assert store.scalar("SELECT count(*) FROM posts") == 0


def test_never_auto_detected() -> None:
    with pytest.raises(SourceError, match="Cannot tell the format"):
        detect_format(CSV)
