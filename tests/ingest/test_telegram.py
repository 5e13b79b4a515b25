"""The Telegram Desktop adapter on a one-channel export and a full account export."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import accounts_by_id, posts_by_id, quarantine_by_line

CHANNEL = DATA / "telegram_channel" / "result.json"
FULL = DATA / "telegram_full_export.json"


def test_channel_counts_and_accounting(store: Store) -> None:
    s = ingest_file(store, CHANNEL, fmt="telegram_export")
    assert (s.posts_stored, s.duplicates, s.quarantined, s.skipped) == (5, 1, 3, 2)
    assert s.skip_reasons == {"Telegram service messages (create_channel)": 1,
                              "Telegram service messages (pin_message)": 1}
    assert s.records_read == s.accounted()
    assert s.zone_unknown == 1


def test_channel_fields(store: Store) -> None:
    ingest_file(store, CHANNEL, fmt="telegram_export")
    posts = posts_by_id(store)
    p = posts["1700000001/2"]
    assert p["account_id"] == "channel1700000001"
    assert p["time"] == datetime(2024, 3, 1, 12, 0)  # from date_unixtime, not the local 'date'
    assert p["text"] == "Breaking: https://www.example.com/a?utm_medium=tg #Ukraine via @otherchan here"
    assert p["urls"] == ["https://example.com/a", "https://t.me/otherchan/5"]  # link + text_link href
    assert p["hashtags"] == ["ukraine"]
    assert p["mentions"] == ["otherchan"]
    photo = CHANNEL.parent / "photos" / "photo_1@01-03-2024_12-00-00.jpg"
    assert p["media_hashes"] == ["sha256:" + hashlib.sha256(photo.read_bytes()).hexdigest()]
    assert posts["1700000001/3"]["repost_of_account"] == "name:Other Channel"
    assert posts["1700000001/4"]["reply_to_post"] == "1700000001/2"
    assert posts["1700000001/4"]["text"] == "follow-up with no entities key"
    local = posts["1700000001/6"]
    assert (local["time"], local["time_zone_known"]) == (datetime(2024, 3, 1, 13, 12), False)
    old = posts["1700000001/10"]  # no from_id: the channel itself; placeholder file not hashed
    assert old["account_id"] == "channel1700000001" and old["media_hashes"] == []
    assert accounts_by_id(store)["channel1700000001"]["display_name"] == "News Now"


def test_channel_quarantine(store: Store) -> None:
    ingest_file(store, CHANNEL, fmt="telegram_export")
    assert quarantine_by_line(store) == {
        7: "field 'date_unixtime' should be a Unix time, got 'not-a-time'",
        8: "field 'id' is missing or empty",
        9: "'text_entities' holds a int, expected objects",
    }


def test_full_export(store: Store) -> None:
    s = ingest_file(store, FULL, fmt="telegram_export")
    assert (s.posts_stored, s.quarantined) == (3, 1)
    posts = posts_by_id(store)
    assert set(posts) == {"1800000002/10", "1800000002/11", "42/1"}
    assert posts["1800000002/11"]["mentions"] == ["user111"]  # mention_name -> user id
    assert posts["1800000002/11"]["reply_to_post"] == "1800000002/10"
    assert posts["1800000002/10"]["hashtags"] == ["group"]
    assert quarantine_by_line(store) == {3: "message has no 'from_id' and the chat is not a channel"}
    assert {a: r["display_name"] for a, r in accounts_by_id(store).items()} == {
        "user111": "Ann", "user222": "Ben", "user42": "Me"}


def test_detected_from_content(tmp_path: Path) -> None:
    assert detect_format(CHANNEL) == "telegram_export"
    other = tmp_path / "export.data"
    other.write_bytes(FULL.read_bytes())
    assert detect_format(other) == "telegram_export"


def test_truncated_export_keeps_earlier_messages(store: Store, tmp_path: Path) -> None:
    text = CHANNEL.read_text()
    cut = tmp_path / "result.json"
    cut.write_text(text[: text.index('"id": 6')])
    s = ingest_file(store, cut, fmt="telegram_export")
    assert s.posts_stored == 3
    reason = store.scalar("SELECT reason FROM quarantine")
    assert reason.startswith("the export breaks off after message 5")


@pytest.mark.parametrize("content", ['{"name": "x", "list": [1, 2]}', "not json at all", "[1, 2"])
def test_not_an_export_is_refused(store: Store, tmp_path: Path, content: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(SourceError, match=r"result\.json.*not a Telegram Desktop export"):
        ingest_file(store, path, fmt="telegram_export")
    assert store.scalar("SELECT count(*) FROM posts") == 0
