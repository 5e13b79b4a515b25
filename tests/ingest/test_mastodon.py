"""The Mastodon adapter on statuses written from the API's Status entity: federation
duplicates, reblogs, replies, HTML content and broken records."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.mastodon import html_to_text
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

FIXTURE = DATA / "mastodon_statuses.json"
S1 = "https://mastodon.social/users/alice/statuses/109999"


def test_counts_and_accounting(store: Store) -> None:
    s = ingest_file(store, FIXTURE, fmt="mastodon")
    # 11 statuses: 4 stored, 1 the same status seen from a second instance, 6 unreadable.
    assert (s.posts_stored, s.duplicates, s.quarantined) == (4, 1, 6)
    # Identical repeats of a description are given once; alice is described three times because
    # her avatar URL differs between the two instances that served her statuses.
    assert s.account_records == 5
    assert s.records_read == s.accounted()
    assert store.scalar("SELECT count(*) FROM accounts") == 3


def test_status_fields(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="mastodon")
    posts = posts_by_id(store)
    p = posts[S1]
    assert p["account_id"] == "alice@mastodon.social"  # bare acct + host of the profile url
    assert p["time"] == datetime(2024, 3, 1, 12, 0)
    assert p["text"] == "Big news: https://www.example.com/story #Election cc @bob\nsecond line & more"
    assert p["urls"] == ["https://example.com/story?id=3"]  # mention/hashtag links left out
    assert p["domains"] == ["example.com"]
    assert p["hashtags"] == ["election"]
    assert p["mentions"] == ["bob@example.org"]
    assert p["media_hashes"] == ["blurhash:UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$"]
    assert (p["client"], p["language"]) == ("Web", "en")
    reblog = posts["https://example.org/users/bob/statuses/2002/activity"]
    assert reblog["repost_of_post"] == S1
    assert reblog["repost_of_account"] == "alice@mastodon.social"
    assert reblog["text"] is None
    reply = posts["https://social.test/users/carol/statuses/55"]
    assert reply["reply_to_post"] == S1  # local id resolved through the earlier status
    assert reply["reply_to_account"] == "alice@mastodon.social"  # via the mention with that id
    assert reply["text"].startswith("politics\n\n")  # the content warning is part of the text
    unresolved = posts["https://social.test/users/carol/statuses/56"]
    assert unresolved["reply_to_post"] == "mastodon-id:424242"


def test_accounts(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="mastodon")
    acc = accounts_by_id(store)
    alice = acc["alice@mastodon.social"]
    assert (alice["followers"], alice["following"], alice["post_count"]) == (1200, 5, 100)
    assert alice["bio"] == "News site"  # HTML note reduced to text
    assert alice["created_at"] == datetime(2022, 11, 5)
    assert acc["carol@social.test"]["category"] == "bot"
    assert acc["bob@example.org"]["category"] is None


def test_quarantine_reasons(store: Store) -> None:
    ingest_file(store, FIXTURE, fmt="mastodon")
    q = quarantine_by_line(store)
    assert q == {
        6: "field 'created_at' is missing: every post needs a time",
        7: "field 'account' is missing or empty",
        8: "field 'content' should be a string, got list",
        9: "not a Mastodon status: needs 'uri', 'account' and 'content'",
        10: "field 'created_at' should be an ISO 8601 time, got '2024-13-45T99:00:00Z'",
        11: "field 'account.followers_count' should be an integer, got 'many'",
    }


def test_jsonl_with_truncated_line_and_idempotence(store: Store, tmp_path: Path) -> None:
    statuses = json.loads(FIXTURE.read_text())
    path = tmp_path / "statuses.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in statuses[:4]) + '\n{"id": "9", "uri": "https://x/1", "cont\n')
    assert detect_format(path) == "mastodon"
    s = ingest_file(store, path)
    assert (s.posts_stored, s.duplicates, s.quarantined) == (3, 1, 1)
    assert quarantine_by_line(store)[5].startswith("line is not valid JSON")
    again = ingest_file(store, path)
    assert (again.posts_stored, again.accounts_stored) == (0, 0)
    assert store.scalar("SELECT count(*) FROM quarantine") == 1


def test_truncated_array_keeps_what_came_before(store: Store, tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"id": "2002"')])  # cut inside the reblog
    s = ingest_file(store, path, fmt="mastodon")
    assert s.posts_stored == 1 and s.duplicates == 1
    reason = store.scalar("SELECT reason FROM quarantine")
    assert reason.startswith("the JSON array breaks off after record 2")


def test_html_to_text_keeps_plain_links_only() -> None:
    text, links = html_to_text('<p>a <a href="https://x.org/p">x</a><br/>b <a class="mention" href="https://m/@u">@u</a></p><p>c</p>')
    assert text == "a x\nb @u\n\nc"
    assert links == ["https://x.org/p"]


def test_not_mastodon_is_refused(store: Store) -> None:
    with pytest.raises(SourceError, match="Mastodon statuses"):
        ingest_file(store, DATA / "reddit_dump.ndjson", fmt="mastodon")


OUTBOX = DATA / "mastodon_outbox.json"


def test_activitypub_outbox(store: Store) -> None:
    assert detect_format(OUTBOX) == "mastodon"
    s = ingest_file(store, OUTBOX)
    assert (s.posts_stored, s.quarantined, s.skipped) == (3, 2, 1)
    assert s.skip_reasons == {"ActivityPub Like activities": 1}
    assert s.records_read == s.accounted()
    posts = posts_by_id(store)
    note = posts[S1]  # the same URI as the API's status: both sources deduplicate
    assert note["account_id"] == "alice@mastodon.social"
    assert note["urls"] == ["https://example.com/story?id=3"]
    assert (note["hashtags"], note["mentions"]) == (["election"], ["bob@example.org"])
    assert note["media_hashes"] == ["blurhash:UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$"]
    boost = posts["https://mastodon.social/users/alice/statuses/110001/activity"]
    assert boost["repost_of_post"] == "https://example.org/users/bob/statuses/2002"
    assert boost["repost_of_account"] == "bob@example.org"
    reply = posts["https://mastodon.social/users/alice/statuses/110002"]
    assert reply["reply_to_post"] == "https://example.org/users/bob/statuses/2002"
    assert reply["reply_to_account"] == "bob@example.org"
    assert reply["mentions"] == ["bob@example.org"]  # bare '@bob' resolved through its href
    assert quarantine_by_line(store) == {
        5: "field 'object.published' is missing: every post needs a time",
        6: "Create has no embedded 'object' (the note itself)",
    }
    api = ingest_file(store, FIXTURE)  # the API's copy of the same status is a duplicate
    assert (api.posts_stored, api.duplicates) == (3, 2)
    assert store.scalar("SELECT count(*) FROM posts WHERE post_id = ?", [S1]) == 1
