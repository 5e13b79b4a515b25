"""What the pipeline fills in from text, and how it dedupes: checked on a small lockstep-native
JSONL file, and the faster mention pattern checked against the counted-repeat one it replaced."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.ingest.normalize import _SQL_MENTION as _RE2_MENTION
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.ingest.helpers import posts_by_id, quarantine_by_line

LONG = "Ünïcødé_" + "x" * 40  # 48 handle characters: a mention keeps the first 30


def _post(pid: str, text: str | None, **extra: object) -> dict[str, object]:
    return {"platform": "twitter", "post_id": pid, "account_id": "acct", "time": "2020-01-01T00:00:00Z",
            "text": text, **extra}


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_text_extraction_and_normalization(tmp_path: Path) -> None:
    rows = [
        _post("1", "RT @Someone: see HTTPS://WWW.Example.CO.UK/a?utm_source=x&id=7#frag, #Tag #tag2 @Bob"),
        _post("2", f"hi @{LONG} and x@notamention @ann"),
        _post("3", "short https://t.co/AbC123 and www.News.example.com/p."),
        _post("4", "given lists win", urls=["https://A.com/x"], hashtags=["#Given"], mentions=["@Who"],
              domains=["A.COM"]),
        _post("5", None),
        _post("", "no id"),
    ]
    with Store(tmp_path / "s.duckdb") as store:
        s = ingest_file(store, _write(tmp_path / "p.jsonl", rows), fmt="lockstep", dataset="d")
        posts = posts_by_id(store)
        assert (s.posts_stored, s.duplicates, s.quarantined) == (5, 0, 1)
        assert list(quarantine_by_line(store).values()) == ["post has no id"]
    p1 = posts["1"]
    assert p1["urls"] == ["https://example.co.uk/a?id=7"]
    assert p1["domains"] == ["example.co.uk"]
    assert p1["hashtags"] == ["tag", "tag2"]
    assert p1["mentions"] == ["someone", "bob"]
    assert p1["repost_of_account"] == "Someone"
    assert posts["2"]["mentions"] == [LONG[:30].lower(), "ann"]
    assert posts["2"]["urls"] == [] and posts["2"]["domains"] == []
    assert posts["3"]["urls"] == ["https://t.co/AbC123", "http://news.example.com/p"]  # short link kept as is
    assert sorted(posts["3"]["domains"]) == ["example.com", "t.co"]
    p4 = posts["4"]
    assert (p4["urls"], p4["hashtags"], p4["mentions"], p4["domains"]) == (
        ["https://a.com/x"], ["given"], ["who"], ["a.com"])
    assert (posts["5"]["urls"], posts["5"]["hashtags"], posts["5"]["mentions"]) == ([], [], [])


def test_duplicates_first_copy_kept_and_reingest_adds_nothing(tmp_path: Path) -> None:
    rows = [_post("1", "first #a"), _post("2", "other"), _post("1", "second #b"), _post("3", "x")]
    path = _write(tmp_path / "p.jsonl", rows)
    with Store(tmp_path / "s.duckdb") as store:
        s = ingest_file(store, path, fmt="lockstep", dataset="d")
        assert (s.posts_stored, s.duplicates, s.accounts_stored) == (3, 1, 1)
        assert posts_by_id(store)["1"]["text"] == "first #a"
        again = ingest_file(store, path, fmt="lockstep", dataset="d")
        assert (again.posts_stored, again.duplicates, again.accounts_stored) == (0, 4, 0)
        other = ingest_file(store, path, fmt="lockstep", dataset="e")
        assert (other.posts_stored, other.duplicates) == (3, 1)
        assert store.scalar("SELECT count(*) FROM posts") == 6


_HANDLE_CHARS = st.sampled_from(list("aZ_9@#. éЖ\u00a0xyz"))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(_HANDLE_CHARS, max_size=80))
def test_mention_pattern_matches_counted_repeat(text: str) -> None:
    """Whole run of handle characters cut to 30 == the original ``{1,30}`` pattern."""
    old = r"(?:^|[^\pL\pN_@])@([\pL\pN_]{1,30})"
    got = duckdb.sql(
        "SELECT regexp_extract_all($t, $old, 1) = list_transform(regexp_extract_all($t, $new, 1), m -> left(m, 30))",
        params={"t": text, "old": old, "new": _RE2_MENTION},
    ).fetchone()
    assert got == (True,)
