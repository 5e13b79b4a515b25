"""twarc2 JSONL (raw pages and flattened) and twarc-csv."""

from __future__ import annotations

from datetime import datetime

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id

RAW = DATA / "ingest" / "twarc2_raw.jsonl"
FLAT = DATA / "ingest" / "twarc2_flat.jsonl"
CSV = DATA / "ingest" / "twarc.csv"


def _reasons(store: Store) -> list[tuple[int, str]]:
    return store.rows("SELECT line, reason FROM quarantine ORDER BY line, reason")


def test_raw_pages(store: Store) -> None:
    s = ingest_file(store, RAW)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("twarc2_jsonl", 3, 2, 4)
    posts = posts_by_id(store)
    p = posts["1400000000000000001"]
    assert p["account_id"] == "111" and p["handle"] == "alice" and p["time"] == datetime(2021, 6, 1, 12, 0)
    assert p["time_zone_known"] is True and p["language"] == "en" and p["client"] == "Twitter Web App"
    assert p["urls"] == ["https://news.example.com/a?id=7"] and p["domains"] == ["example.com"]
    assert p["hashtags"] == ["election2021"] and p["mentions"] == ["bob"]
    assert p["media_hashes"] == ["twitter-media:3_1400000000000000009"]
    rt = posts["1400000000000000002"]
    assert (rt["repost_of_post"], rt["repost_of_account"]) == ("1400000000000000001", "111")
    reply = posts["1400000000000000003"]
    assert (reply["reply_to_post"], reply["reply_to_account"]) == ("1400000000000000001", "111")
    assert reply["quote_of_post"] == "1399999999999999999"
    alice = accounts_by_id(store)["111"]
    assert (alice["handle"], alice["display_name"], alice["followers"], alice["post_count"]) == ("alice", "Alice", 10, 30)
    assert alice["created_at"] == datetime(2020, 1, 1)
    reasons = _reasons(store)
    assert (2, "column created_at: 'not a date' is not a date") in reasons
    assert (2, "field id: missing, every tweet needs an id") in reasons
    assert (2, "field author_id: missing, every tweet needs an account id") in reasons
    assert reasons[-1][0] == 3 and "not valid JSON" in reasons[-1][1] and "truncated" in reasons[-1][1]


def test_flattened(store: Store) -> None:
    s = ingest_file(store, FLAT)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("twarc2_jsonl", 2, 2, 2)
    posts = posts_by_id(store)
    assert posts["1500000000000000001"]["urls"] == ["https://example.net/p"]
    assert posts["1500000000000000002"]["repost_of_account"] == "333"
    assert accounts_by_id(store)["333"]["following"] == 2
    (line3, reason3), (line4, reason4) = _reasons(store)
    assert (line3, reason3) == (3, "line is JSON but not an object")
    assert line4 == 4 and reason4.startswith("line 4: not valid JSON")


def test_twarc_csv(store: Store) -> None:
    s = ingest_file(store, CSV)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("twarc_csv", 3, 2, 3)
    posts = posts_by_id(store)
    first = posts["1600000000000000001"]
    assert first["urls"] == ["https://example.com/x"] and first["hashtags"] == ["world"]
    assert first["handle"] == "erin"
    rt = posts["1600000000000000002"]
    assert (rt["repost_of_post"], rt["repost_of_account"]) == ("1600000000000000001", "555")
    reply = posts["1600000000000000003"]
    assert (reply["reply_to_post"], reply["reply_to_account"], reply["quote_of_post"]) == (
        "1600000000000000001", "555", "1599")
    assert reply["media_hashes"] == ["twitter-media:3_99"]
    erin = accounts_by_id(store)["555"]
    assert (erin["followers"], erin["location"], erin["verified"], erin["bio"]) == (100, "Berlin", False, "bio text")
    assert _reasons(store) == [
        (5, "field id: missing, every tweet needs an id"),
        (6, "column created_at: 'yesterday' is not a date"),
        (7, "column entities.hashtags: '[{\"tag\":' is not a JSON list"),
    ]


def test_not_jsonl_is_refused(store: Store) -> None:
    with pytest.raises(SourceError, match=r"twarc\.csv.*not twarc2 JSONL"):
        ingest_file(store, CSV, fmt="twarc2_jsonl")
