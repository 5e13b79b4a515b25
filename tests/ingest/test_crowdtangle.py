"""CrowdTangle exports: header matching by name (BOM, case), zones, platform, quarantine."""

from __future__ import annotations

from datetime import datetime

from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

FB = DATA / "ingest" / "crowdtangle_fb.csv"
IG = DATA / "ingest" / "crowdtangle_ig.csv"


def test_facebook_export(store: Store) -> None:
    assert FB.read_bytes().startswith(b"\xef\xbb\xbf")  # the fixture keeps its BOM
    s = ingest_file(store, FB)
    assert (s.adapter, s.posts_stored, s.accounts_stored, s.quarantined) == ("crowdtangle_csv", 3, 2, 3)
    posts = posts_by_id(store)
    p = posts["100044/posts/555001"]
    assert p["platform"] == "facebook" and p["account_id"] == "100044" and p["handle"] == "patriotnewsdaily"
    assert p["time"] == datetime(2021, 8, 1, 8, 0) and p["time_zone_known"] is True  # CEST = UTC+2
    assert p["text"] == "Read this now! https://bit.ly/3abc\n\nA teaser"
    assert p["urls"] == ["https://example-news.com/story", "https://bit.ly/3abc"]
    assert posts["100044/posts/555002"]["time"] == datetime(2021, 8, 1, 15, 30)  # EDT = UTC-4
    assert posts["100044/posts/555002"]["hashtags"] == ["wahl2021"]
    assert posts["200055/posts/777"]["time_zone_known"] is False
    page = accounts_by_id(store)["100044"]
    assert (page["display_name"], page["category"], page["location"], page["followers"]) == (
        "Patriot News Daily", "NEWS_SITE", "RU", 1204)
    assert page["created_at"] == datetime(2019, 5, 1, 10, 0)
    q = quarantine_by_line(store)
    assert q[5] == "column Post Created: unknown time zone 'XYZT' in '2021-08-02 09:00:00 XYZT'"
    assert q[6] == "column URL: empty, the post's URL is its id"
    assert q[7] == "column Likes/Followers at Posting: 'lots' is not a number"


def test_instagram_export(store: Store) -> None:
    s = ingest_file(store, IG)
    assert (s.adapter, s.posts_stored, s.accounts_stored) == ("crowdtangle_csv", 2, 1)
    p = posts_by_id(store)["p/CTabc123"]
    assert p["platform"] == "instagram" and p["account_id"] == "insta_truth"
    assert p["hashtags"] == ["truth"] and p["mentions"] == ["friend"]
    assert accounts_by_id(store)["insta_truth"]["followers"] == 5400
