"""FiveThirtyEight/Clemson IRA CSVs: both layouts, content-hash ids, duplicate policy, quarantine."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.normalize import content_id
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, quarantine_by_line

H2 = DATA / "ingest" / "ira_2016h2.csv"
ORIGINAL = DATA / "ingest" / "ira_538.csv"


def _posts(store: Store) -> dict[tuple[str, datetime], dict]:
    return {(r["account_id"], r["time"]): r for r in store.query("SELECT * FROM posts").to_pylist()}


def test_15_column_layout(store: Store) -> None:
    s = ingest_file(store, H2)
    assert s.adapter == "ira_csv"
    # 12 data rows: 6 stored, 1 exact repeat folded as a duplicate, 5 quarantined.
    assert (s.posts_stored, s.duplicates, s.quarantined, s.accounts_stored) == (6, 1, 5, 4)
    assert s.zone_unknown == 7
    posts = _posts(store)
    first = posts[("MUSLIMS_IN_USA", datetime(2016, 7, 1, 0, 0))]
    cells = next(csv.reader([H2.read_bytes().split(b"\n")[1].decode("utf-8")]))
    assert first["post_id"] == content_id(*cells)  # the whole row, cell by cell
    assert first["time_zone_known"] is False and first["language"] == "English"
    assert first["urls"] == ["https://t.co/8pkiOmIrQF"] and first["hashtags"] == ["news"]
    rt = posts[("TEN_GOP", datetime(2016, 7, 1, 0, 2))]
    assert rt["repost_of_account"] == "realDonaldTrump"
    multiline = posts[("TEN_GOP", datetime(2016, 7, 1, 0, 3))]
    assert multiline["text"] == 'a quote, with "quotes"\nand a line break'
    assert posts[("TEN_GOP", datetime(2016, 7, 1, 0, 4))]["text"] is None  # empty retweet text kept
    assert ("Привет", datetime(2016, 12, 31, 23, 59)) in posts
    acc = accounts_by_id(store)["TEN_GOP"]
    assert acc["category"] == "RightTroll" and acc["location"] == "Unknown"
    assert (acc["followers"], acc["following"], acc["post_count"]) == (2002, 1000, 302)
    q = quarantine_by_line(store)
    assert q[8] == "column publish_date: '2016-13-45 00:00:00' is not a date"
    assert q[9] == "column author: empty, the account handle is required"
    assert q[10] == "column following: 'many' is not a number"
    assert q[11].startswith("column content: bytes are not valid UTF-8")
    assert q[12] == "row has 3 cells, the header has 15"


def test_21_column_layout_uses_status_ids(store: Store) -> None:
    s = ingest_file(store, ORIGINAL)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("ira_csv", 3, 2, 0)
    ids = {r[0]: r for r in store.rows("SELECT post_id, account_id, time FROM posts")}
    assert ids["914580356430536707"][1:] == ("10_GOP", datetime(2017, 10, 1, 19, 58))
    assert "914621840496189440" in ids
    # The rounded tweet_id (9.1458E+17) is never used as an id; no article_url -> content hash.
    assert sum(1 for k in ids if k.startswith("h:")) == 1


def test_reingest_adds_nothing(store: Store) -> None:
    ingest_file(store, H2)
    again = ingest_file(store, H2)
    assert again.posts_stored == 0 and again.duplicates == 7
    assert store.scalar("SELECT count(*) FROM posts") == 6


def test_wrong_format_is_refused(store: Store) -> None:
    with pytest.raises(SourceError, match=r"io_users\.csv.*author"):
        ingest_file(store, DATA / "ingest" / "io_users.csv", fmt="ira_csv")


def test_rows_without_ids_fold_only_when_every_cell_repeats(store: Store, tmp_path: Path) -> None:
    # Same author, minute and text, but the account's counts differ: two captures the data cannot
    # tell apart as one tweet, so both are kept; only the exact repeat is a duplicate.
    head = "author,content,publish_date,followers,updates,account_category\n"
    row = "TEN_GOP,same words,2016-07-01 00:00:00,{f},{u},RightTroll\n"
    f = tmp_path / "ira.csv"
    f.write_text(head + row.format(f=10, u=5) + row.format(f=11, u=5) + row.format(f=11, u=5))
    s = ingest_file(store, f, fmt="ira_csv", dataset="d")
    assert (s.posts_stored, s.duplicates) == (2, 1)
