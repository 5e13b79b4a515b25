"""X/Twitter IO archive CSVs: columns by name, list-like cells, zone-less times, quarantine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

TWEETS = DATA / "ingest" / "io_tweets.csv"
USERS = DATA / "ingest" / "io_users.csv"


def test_tweets_fields_and_quarantine(store: Store) -> None:
    s = ingest_file(store, TWEETS)
    assert s.adapter == "twitter_io_tweets"
    assert (s.posts_stored, s.accounts_stored, s.quarantined) == (4, 2, 4)
    assert s.zone_unknown == 4
    posts = posts_by_id(store)
    p = posts["1001"]
    assert p["platform"] == "twitter" and p["account_id"] == "a1b2c3" and p["handle"] == "newsbot_one"
    assert p["time"] == datetime(2016, 7, 1, 0, 0) and p["time_zone_known"] is False
    assert p["urls"] == ["https://example.com/story"] and p["domains"] == ["example.com"]
    assert p["hashtags"] == ["vote"] and p["client"] == "Twitter Web Client" and p["language"] == "en"
    assert p["source_line"] == 2
    rt = posts["1002"]
    assert (rt["repost_of_post"], rt["repost_of_account"]) == ("900", "999")
    reply = posts["1003"]
    assert (reply["reply_to_post"], reply["reply_to_account"]) == ("1001", "a1b2c3")
    assert reply["hashtags"] == ["election", "news"] and reply["mentions"] == ["a1b2c3", "zz9"]
    assert reply["urls"] == ["http://t.co/abc", "https://example.org/a"]
    assert posts["1004"]["quote_of_post"] == "1001"
    acc = accounts_by_id(store)["a1b2c3"]
    assert acc["handle"] == "newsbot_one" and acc["bio"] == "Daily news" and acc["location"] == "Moscow"
    assert acc["created_at"] == datetime(2015, 3, 2) and acc["followers"] == 121 and acc["following"] == 80
    q = quarantine_by_line(store)
    assert q[6] == "column tweet_time: '2016-13-45 10:00' is not a date"
    assert q[7] == "column tweetid: empty, every tweet needs an id"
    assert q[8] == "column follower_count: 'ten' is not a number"
    assert q[9] == "row has 4 cells, the header has 30"


def test_users_file(store: Store) -> None:
    s = ingest_file(store, USERS)
    assert s.adapter == "twitter_io_users"
    assert (s.posts_stored, s.accounts_stored, s.quarantined) == (0, 2, 2)
    acc = accounts_by_id(store)["d4e5f6"]
    assert acc["handle"] == "second_acct" and acc["language"] == "ru" and acc["followers"] == 10
    q = quarantine_by_line(store)
    assert q[4] == "column userid: empty, every account needs an id"
    assert q[5] == "column account_creation_date: 'someday' is not a date"


def test_column_order_does_not_matter(store: Store, tmp_path) -> None:
    lines = TWEETS.read_text().splitlines()[:3]
    rows = [line.split(",") for line in lines[:1]]
    header = rows[0]
    order = list(reversed(range(len(header))))
    import csv
    import io

    parsed = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    w = csv.writer(out)
    for r in parsed:
        w.writerow([r[i] for i in order])
    shuffled = tmp_path / "release_b.csv"
    shuffled.write_text(out.getvalue())
    s = ingest_file(store, shuffled)
    assert s.adapter == "twitter_io_tweets" and s.posts_stored == 2
    assert posts_by_id(store)["1002"]["repost_of_post"] == "900"


def test_wrong_format_is_refused(store: Store) -> None:
    with pytest.raises(SourceError, match=r"ira_538\.csv.*tweetid"):
        ingest_file(store, DATA / "ingest" / "ira_538.csv", fmt="twitter_io_tweets")


def test_empty_entity_cells_are_read_from_the_text(store: Store, tmp_path: Path) -> None:
    # The columns exist but are empty (a re-saved export): co_hashtag, co_link and co_mention
    # must still see what the text holds; a given hashtags cell is merged with the text's tags.
    f = tmp_path / "x_tweets_csv_hashed.csv"
    f.write_text(
        "tweetid,userid,user_screen_name,tweet_time,tweet_text,hashtags,urls,user_mentions\n"
        "1,u1,one,2016-07-01 00:00,Vote #Now at https://example.com/a with @Bob,,,\n"
        "2,u1,one,2016-07-01 00:01,More #Later and #Now,[Now],[],[]\n"
    )
    ingest_file(store, f, fmt="twitter_io_tweets", dataset="e")
    posts = {r["post_id"]: r for r in store.query("SELECT * FROM posts").to_pylist()}
    assert posts["1"]["hashtags"] == ["now"]
    assert posts["1"]["urls"] == ["https://example.com/a"]
    assert posts["1"]["mentions"] == ["bob"]
    assert sorted(posts["2"]["hashtags"]) == ["later", "now"]


def test_empty_mapped_list_cells_in_a_table_are_read_from_the_text(store: Store, tmp_path: Path) -> None:
    from lockstep.ingest.base import ReadOptions

    f = tmp_path / "t.csv"
    f.write_text("user,when,msg,tags,links\na,2021-01-01T00:00:00Z,see #tag https://example.org/p @cat,,\n")
    opts = ReadOptions(platform="x", mapping={"account_id": "user", "time": "when", "text": "msg",
                                              "hashtags": "tags", "urls": "links"})
    ingest_file(store, f, fmt="table", dataset="t", options=opts)
    (row,) = store.query("SELECT hashtags, urls, mentions FROM posts").to_pylist()
    assert row == {"hashtags": ["tag"], "urls": ["https://example.org/p"], "mentions": ["cat"]}
