"""Long co-sharing tables: both layouts, merging rows of one post, id mapping, quarantine."""

from __future__ import annotations

from datetime import datetime

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.base import ReadOptions
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import posts_by_id, quarantine_by_line

OBJECTS = DATA / "ingest" / "cosharing_objects.csv"
POSTS = DATA / "ingest" / "cosharing_posts.csv"


def test_object_layout(store: Store) -> None:
    s = ingest_file(store, OBJECTS, options=ReadOptions(platform="twitter"))
    assert (s.adapter, s.posts_stored, s.duplicates, s.quarantined) == ("cosharing", 3, 1, 4)
    posts = posts_by_id(store)
    a1 = posts["postA1"]
    assert (a1["platform"], a1["account_id"], a1["repost_of_post"]) == ("twitter", "acctA", "obj1")
    assert a1["time"] == datetime(2021, 6, 16, 22, 4, 51) and a1["time_zone_known"] is True
    assert posts["postA2"]["time"] == datetime(2021, 6, 16, 22, 6, 40, 500000)
    q = quarantine_by_line(store)
    assert q[6] == "column account_id: empty, every row needs an account"
    assert q[7] == "column content_id: empty, every row needs a post id"
    assert q[8] == "column timestamp_share: 'yesterday' is not a Unix timestamp"
    assert q[9] == "row has 5 cells, the header has 4"


def test_post_layout_merges_rows_of_one_post(store: Store) -> None:
    s = ingest_file(store, POSTS)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("cosharing", 4, 3, 2)
    posts = posts_by_id(store)
    p = posts["100"]
    assert p["platform"] == "facebook" and p["account_id"] == "fb_1"
    assert sorted(p["urls"]) == ["id://url/u1", "id://url/u2"]
    assert p["domains"] == ["id://domain/d1"] and p["hashtags"] == ["id://hashtag/h1"]
    assert p["media_hashes"] == ["id://phash/p9"] and p["source_line"] == 2
    assert posts["200"]["platform"] == "twitter"
    assert posts["201"]["urls"] == [] and posts["201"]["hashtags"] == []
    assert posts["300"]["platform"] == "unknown"  # no prefix and no --platform
    q = quarantine_by_line(store)
    assert q[8] == "column account_id: empty, every row needs an account"
    assert q[9] == "column timestamp: 'not-a-time' is not a Unix timestamp"


def test_other_tables_are_refused(store: Store) -> None:
    with pytest.raises(SourceError, match=r"io_users\.csv.*co-sharing"):
        ingest_file(store, DATA / "ingest" / "io_users.csv", fmt="cosharing")
