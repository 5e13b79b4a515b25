"""The columnar IO-archive reader stores exactly what the row-by-row reader (the definition)
stores: the same posts, accounts, quarantine rows (file, line, reason, raw) and summary counts,
on the fixtures and on generated rows of every awkward shape (multi-line texts, padded cells,
quoted and odd lists, rounded ids, bad dates, profiles that change)."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

import lockstep.ingest.twitter_io as twitter_io
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA

COLUMNS = ["tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
           "user_profile_description", "follower_count", "following_count", "account_creation_date",
           "account_language", "tweet_language", "tweet_text", "tweet_time", "tweet_client_name",
           "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid", "is_retweet", "retweet_userid",
           "retweet_tweetid", "quote_count", "reply_count", "like_count", "retweet_count", "hashtags", "urls",
           "user_mentions"]


def _stored(path: Path, tmp: Path, vectorized: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(twitter_io, "VECTORIZED", vectorized)
    with Store(tmp / f"{vectorized}.duckdb") as store:
        s = ingest_file(store, path, fmt="twitter_io_tweets", dataset="d")
        again = ingest_file(store, path, fmt="twitter_io_tweets", dataset="d")
        out = {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL")
               if t != "quarantine" else store.rows("SELECT dataset, adapter, source_file, line, raw, reason "
                                                    "FROM quarantine ORDER BY ALL")
               for t in ("posts", "accounts", "quarantine")}
    summary = s.as_dict()
    out["summary"] = summary
    out["again"] = (again.posts_stored, again.accounts_stored, again.duplicates, again.quarantined)
    return out


def _same(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    columnar = _stored(path, tmp_path, True, monkeypatch)
    by_row = _stored(path, tmp_path, False, monkeypatch)
    for key in by_row:
        assert columnar[key] == by_row[key], key
    return columnar


@pytest.mark.parametrize("name", ["ingest/io_tweets.csv", "hostile/io_tweets_excel.csv"])
def test_fixtures_read_alike(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(DATA / name, tmp_path, monkeypatch)


def _cell(rng: random.Random, choices: list[str]) -> str:
    return rng.choice(choices)


def test_generated_rows_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    texts = ["plain words", "RT @Someone_1: copied #Tag https://t.co/x", "two\nlines #One #two", "x\r\ny @Ab",
             "", "#Vote and #vote and #İstanbul", "ẞtraße #Straße", "  padded  ", "link www.example.com/a?utm_source=1",
             "quote \"inside\" text"]
    lists = ["", "[]", "[a, b]", "['Tag', 'x']", "[a,b]", "['a','b']", "a;b", "[ spaced ]", "[#Vote]", "[Москва]",
             "[\u3000]", "[\"q\"]"]
    ids = ["1", "22", "333", "", " 44 ", "55.0", "nan", "7.9E+17", "١٢٣", "abc=="]
    times = ["2016-07-01 00:00", "2016-07-01 00:00:59", "2016-07-01T10:00", "2016-13-45 10:00", "", "1467331200",
             "2016-07-01 10:00 CEST", "0000-01-01 00:00", "07/01/2016 10:00", " 2016-07-01 00:00"]
    created = ["2015-03-02", "", "2015-03-02 10:00", "someday", " 2015-03-02", "2015-02-30"]
    counts = ["0", "12", "", " 3", "1,234", "ten", "12.0", "99999999999999999999"]
    bools = ["true", "false", "False", "", "yes", "maybe", " true"]
    names = ["name", " padded ", "", "Ünïcode", "\u2028x"]
    users = ["u1", "u2", "u3", "u4"]
    rows = []
    for i in range(600):
        rows.append({
            "tweetid": str(1000 + i) if rng.random() < 0.9 else _cell(rng, ids),
            "userid": _cell(rng, users) if rng.random() < 0.9 else _cell(rng, ids),
            "user_display_name": _cell(rng, names), "user_screen_name": _cell(rng, names),
            "user_reported_location": _cell(rng, names), "user_profile_description": _cell(rng, names),
            "follower_count": _cell(rng, counts) if rng.random() < 0.3 else "5",
            "following_count": _cell(rng, counts) if rng.random() < 0.3 else "6",
            "account_creation_date": _cell(rng, created), "account_language": _cell(rng, ["en", "", " ru "]),
            "tweet_language": _cell(rng, ["en", "und", ""]), "tweet_text": _cell(rng, texts),
            "tweet_time": times[0] if rng.random() < 0.6 else _cell(rng, times),
            "tweet_client_name": _cell(rng, names),
            **{k: (_cell(rng, ids) if rng.random() < 0.3 else "") for k in (
                "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid", "retweet_userid",
                "retweet_tweetid")},
            "is_retweet": _cell(rng, bools),
            **{k: (_cell(rng, counts) if rng.random() < 0.2 else "0") for k in (
                "quote_count", "reply_count", "like_count", "retweet_count")},
            "hashtags": _cell(rng, lists), "urls": _cell(rng, lists), "user_mentions": _cell(rng, lists),
        })
    path = tmp_path / "gen_tweets_csv_hashed.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i, r in enumerate(rows):
            w.writerow([r[c] for c in COLUMNS])
            if i == 300:
                fh.write("1,2,3\n")  # too few cells
    fh_bytes = path.read_bytes().replace(b"plain words", b"plain \xff words", 3)
    path.write_bytes(fh_bytes)
    out = _same(path, tmp_path, monkeypatch)
    assert out["summary"]["posts_stored"] > 150 and out["summary"]["quarantined"] > 100
    summary = out["summary"]
    assert out["again"] == (0, 0, summary["posts_stored"] + summary["duplicates"], summary["quarantined"])
