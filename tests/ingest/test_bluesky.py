"""The Bluesky adapter on a fixture written from the lexicon: Jetstream (current and early
envelopes), record views, bare records, reposts, profiles and broken lines."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

FIXTURE = DATA / "bluesky_posts.jsonl"
ALICE, BOB, CAROL = "did:plc:alice111aaaa", "did:plc:bob222bbbb", "did:plc:carol333cccc"


def test_counts_and_accounting(store: Store) -> None:
    s = ingest_file(store, FIXTURE, fmt="bluesky", dataset="bsky")
    assert (s.posts_stored, s.duplicates, s.quarantined, s.account_records, s.skipped) == (7, 1, 6, 3, 2)
    assert s.records_read == s.accounted() == 19
    assert s.zone_unknown == 1
    assert s.skip_reasons == {
        "Bluesky records of other collections (app.bsky.feed.like)": 1,
        "Bluesky deletes (app.bsky.feed.post)": 1,
    }
    assert store.scalar("SELECT count(*) FROM posts") == 7
    assert store.scalar("SELECT count(DISTINCT platform) FROM posts") == 1


def test_fields_from_facets_embeds_and_envelopes(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="bluesky")
    posts = posts_by_id(store)
    p1 = posts[f"at://{ALICE}/app.bsky.feed.post/3k1"]
    assert p1["time"] == datetime(2024, 5, 29, 16, 26, 40)
    assert p1["language"] == "en"
    # The facet's full link (text shows a shortened one), normalized; the external embed too.
    assert p1["urls"] == ["https://example.com/news?id=7", "https://news.bbc.co.uk/a"]
    assert sorted(p1["domains"]) == ["bbc.co.uk", "example.com"]
    assert p1["hashtags"] == ["vote"]
    assert p1["mentions"] == [BOB]
    reply = posts[f"at://{BOB}/app.bsky.feed.post/3k2"]
    assert reply["time"] == datetime(2024, 5, 29, 16, 0)  # +02:00 converted to UTC
    assert reply["reply_to_post"] == f"at://{ALICE}/app.bsky.feed.post/3k1"
    assert reply["reply_to_account"] == ALICE
    assert reply["media_hashes"] == ["bafkreiimage1", "bafkreilegacy2"]  # ref.$link and legacy cid
    old = posts[f"at://{CAROL}/app.bsky.feed.post/3k3"]  # early Jetstream: type com, commit.type c
    assert old["quote_of_post"] == f"at://{ALICE}/app.bsky.feed.post/3k1"
    repost = posts[f"at://{CAROL}/app.bsky.feed.repost/3k4"]
    assert repost["repost_of_post"] == f"at://{ALICE}/app.bsky.feed.post/3k1"
    assert repost["repost_of_account"] == ALICE
    with_media = posts[f"at://{BOB}/app.bsky.feed.post/3k9"]  # listRecords {uri, value}
    assert with_media["quote_of_post"] == f"at://{CAROL}/app.bsky.feed.post/3k3"
    assert with_media["media_hashes"] == ["bafkreiimage1"]
    bare = posts[f"at://{CAROL}/app.bsky.feed.post/3k10"]
    assert bare["time_zone_known"] is False
    assert bare["hashtags"] == ["tag"]  # no facets: the pipeline reads the text
    view = posts[f"at://{ALICE}/app.bsky.feed.post/3k8"]
    assert view["handle"] == "alice.bsky.social"


def test_accounts_from_identity_views_and_profiles(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="bluesky")
    acc = accounts_by_id(store)
    assert set(acc) == {ALICE, BOB, CAROL}
    assert acc[BOB]["handle"] == "bob.bsky.social"  # identity event
    assert acc[ALICE]["handle"] == "alice.bsky.social"  # post view author
    assert acc[ALICE]["display_name"] == "Alice A."  # the later profile record wins
    assert acc[ALICE]["bio"] == "I post news"
    assert acc[ALICE]["avatar_hash"] == "bafkreiavatar"


def test_quarantine_reasons(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="bluesky")
    q = quarantine_by_line(store)
    assert set(q) == {11, 12, 13, 15, 16, 18}
    assert q[11].startswith("line is not valid JSON")
    assert q[12] == "field 'createdAt' is missing: every post needs a time"
    assert q[13] == "field 'text' should be a string, got int"
    assert q[15] == "field 'commit.rkey' is missing or empty"
    assert q[16] == "expected a JSON object, got list"
    assert "ISO 8601" in q[18] and "yesterday" in q[18]
    raw = store.scalar("SELECT raw FROM quarantine WHERE line = 13")
    assert json.loads(raw)["commit"]["record"]["text"] == 42


def test_detected_from_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "export.txt"
    renamed.write_bytes(FIXTURE.read_bytes())
    assert detect_format(renamed) == "bluesky"


def test_other_file_is_refused_with_a_clear_message(store: Store, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text('{"name": "x", "value": 1}\n{"name": "y"}\n')
    with pytest.raises(SourceError, match=r"does not look like Bluesky JSONL.*other\.jsonl|other\.jsonl.*Bluesky"):
        ingest_file(store, other, fmt="bluesky")
    assert store.scalar("SELECT count(*) FROM quarantine") == 0
