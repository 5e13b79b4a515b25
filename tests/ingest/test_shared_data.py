"""The real public files in ../shared/data: row and account counts after ingest.

Figures checked against the data README and recounted independently with DuckDB:
IRA 2016 H2 has 589,604 rows by 823 handles, of which 11,958 rows repeat every column of an
earlier row (the README's figure) and fold into one post each; 142 more repeat (author, minute,
text) but differ in harvest-time counts, and are kept as posts of their own. russian_coord_tweets has
35,125 rows by 9,509 accounts, 40 content ids appear twice. german_elections has 218,971 rows
(post x object) for 194,323 post ids by 58,317 accounts; 3 rows have no post id, and
their 3 accounts appear in no other row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_ira_2016h2(store: Store, shared_data: Path) -> None:
    s = ingest_file(store, shared_data / "ira_2016h2" / "ira_tweets_2016h2.csv.gz", dataset="ira")
    assert s.adapter == "ira_csv"
    assert s.posts_stored + s.duplicates + s.quarantined == 589_604
    assert (s.posts_stored, s.duplicates, s.quarantined) == (577_646, 11_958, 0)
    assert store.scalar("SELECT count(*) FROM accounts WHERE dataset = 'ira'") == 823
    assert store.scalar("SELECT count(*) FROM posts WHERE time_zone_known") == 0
    assert store.scalar("SELECT count(*) FROM accounts WHERE category IS NULL") == 0


def test_coortweet(store: Store, shared_data: Path) -> None:
    folder = shared_data / "coortweet"
    ru = ingest_file(store, folder / "russian_coord_tweets.csv.gz", dataset="ru")
    assert ru.adapter == "cosharing"
    assert (ru.posts_stored, ru.duplicates, ru.quarantined) == (35_085, 40, 0)
    assert store.scalar("SELECT count(*) FROM accounts WHERE dataset = 'ru'") == 9_509
    de = ingest_file(store, folder / "german_elections.csv.gz", dataset="de")
    assert de.adapter == "cosharing"
    # 3 rows name an account but no post id (nor any object): quarantined, and those 3
    # accounts occur nowhere else, so the store holds 58,317 - 3 accounts.
    assert de.quarantined == 3
    assert set(store.rows("SELECT reason FROM quarantine WHERE dataset = 'de'")) == {
        ("column post_id: empty, every row needs a post id",)}
    assert store.scalar("SELECT count(*) FROM accounts WHERE dataset = 'de'") == 58_314
    platforms = dict(store.rows("SELECT platform, count(*) FROM accounts WHERE dataset = 'de' GROUP BY 1"))
    assert platforms == {"facebook": 21_652, "twitter": 36_662}
    # 218,968 readable rows merge into one post per post id.
    assert (de.posts_stored, de.duplicates) == (194_323, 0)
    merged = store.scalar("SELECT count(*) FROM posts WHERE dataset = 'de' AND len(urls) + len(hashtags) "
                          "+ len(domains) + len(media_hashes) > 1")
    assert merged > 0
