"""`lockstep synth --embed`: real IRA-layout timelines placed into the crowd (tiny committed fixture).

The fixture (tests/data/ira_embed/) was written for these tests: five accounts over two weeks from
Friday 2016-07-01, one exact repeat, one row with a bad date, and an authors file that labels four of
the five accounts (one of them with its handle in upper case).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.errors import ConfigError, SourceError
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from lockstep.synth import generate, preset, write_dataset
from lockstep.synth.embed import DAY_US, WEEK_US, EmbedSpec, _placement, embed, read_file
from lockstep.synth.restyle import Restyler, vocabulary
from tests.conftest import DATA

FIX = DATA / "ira_embed"
TWEETS, AUTHORS = FIX / "tweets.csv", FIX / "authors.csv"
REAL = {"CityNewsToday", "RiverTownPost", "PatriotJoe_1", "GameTagger", "VestiNovosti"}


def test_restyle_keeps_everything_but_the_words() -> None:
    r = Restyler(key=b"k")
    src = "WAKE UP America!!  The media lies again, media #MAGA @realDonaldTrump https://t.co/ab0 3 naps 😡"
    out = r.text(src)
    assert out is not None
    for kept in ("#MAGA", "@realDonaldTrump", "https://t.co/ab0", " 3 ", "😡", "!!  ", ", "):
        assert kept in out
    words = re.findall(r"[^\W\d_]+", re.sub(r"https?://\S+|[#@]\w+", "", out))
    assert words and all(w.lower() in vocabulary() for w in words)
    # case shape: WAKE -> all caps, America -> capitalized
    assert words[0].isupper() and words[2][0].isupper() and words[2][1:].islower()
    # the same word always gets the same replacement; the original words are gone
    assert r.text("media") == r.text("Media").lower() == words[4] == words[7]
    assert "America" not in out and "media" not in out.split()
    assert Restyler(key=b"other").text(src) != out
    assert r.text("RT @CityNews: news").startswith("RT @CityNews: ")  # the repost marker stays
    assert r.text(None) is None and r.text("") == ""


def test_the_crowd_texts_go_through_the_same_word_mapping_as_the_real_ones() -> None:
    from lockstep.synth.embed import restyler_for

    def crowd(restyle: bool) -> list[str]:
        data = generate(posts=3000, seed=3, profile=preset("default"), networks=2)
        spec = EmbedSpec(path=TWEETS, labels=AUTHORS, restyle_crowd=restyle).validate()
        posts = embed(data, spec, seed=3).posts()
        real = [a in REAL for a in posts.column("account_id").to_pylist()]
        return [t for t, r in zip(posts.column("text").to_pylist(), real, strict=True) if not r]

    plain, mapped = crowd(False), crowd(True)
    r = restyler_for(3)
    assert len(plain) == len(mapped) == 3000
    assert mapped == [r.text(t) for t in plain]  # each generated text rendered as a real one would be
    changed = sum(a != b for a, b in zip(plain, mapped, strict=True))
    assert changed > 0.9 * len(plain)
    # "the" reads the same on both sides, so a function word is no tell of provenance
    the = r.word("the")
    assert the != "the" and sum(f" {the} " in t for t in mapped) > 100
    # items survive: hashtags, links and repost markers stay as they were
    for a, b in zip(plain, mapped, strict=True):
        assert re.findall(r"https?://\S+|#\w+|@\w+", a) == re.findall(r"https?://\S+|#\w+|@\w+", b)


def _embedded(tmp_path: Path, **spec: object) -> tuple[Path, dict]:
    data = generate(posts=3000, seed=3, profile=preset("default"), networks=2)
    args = {"path": TWEETS, "labels": AUTHORS, **spec}
    data = embed(data, EmbedSpec(**args).validate(), seed=3)  # type: ignore[arg-type]
    out = tmp_path / "out"
    write_dataset(data, out, "parquet")
    return out, json.loads((out / "manifest.json").read_text())


def test_week_one_is_shifted_by_whole_weeks_jittered_restyled_and_labelled(tmp_path: Path) -> None:
    out, manifest = _embedded(tmp_path)
    src_posts, _, quarantined = read_file(TWEETS)
    assert quarantined == 1  # the row with a bad date, counted as the ingest adapter counts it
    src = {r["post_id"]: r for r in src_posts.to_pylist()}
    posts = pq.read_table(out / "posts.parquet").to_pylist()
    real = [p for p in posts if p["account_id"] in REAL]
    # week 1 = 2016-07-01 .. 07-07: 15 readable rows, one of them an exact repeat folded into one post
    assert len(real) == 14 and len(posts) == 3000 + 14
    assert manifest["embedded"]["exact_repeats_folded"] == 1
    assert manifest["embedded"]["weekday_and_hour_kept"] is True
    times = [p["time"] for p in posts]
    assert times == sorted(times)  # merged into the crowd's time order
    start = dt.datetime(2024, 3, 4)
    for p in real:
        orig = src[p["post_id"]]["time"]
        lag = (p["time"] - orig) // dt.timedelta(microseconds=1)
        assert lag % WEEK_US < 60_000_000  # whole weeks plus under a minute of jitter
        assert start <= p["time"] < start + dt.timedelta(days=30)
        assert p["urls"] is None and p["hashtags"] is None  # left for ingest to extract
    assert len({p["time"].second for p in real}) > 3  # no longer all :00
    texts = [p["text"] for p in real]
    assert not any("Council" in t or "arrested" in t or "Москве" in t for t in texts)
    crime = sum("  #crime https://t.co/" in t for t in texts)  # the house template's double space
    assert crime == sum("  #crime https://t.co/" in src[p["post_id"]]["text"] for p in real) > 0
    assert any(t.startswith("RT @CityNewsToday: ") for t in texts)

    acc = {a["account_id"]: a for a in pq.read_table(out / "accounts.parquet").to_pylist() if a["account_id"] in REAL}
    assert set(acc) == REAL
    assert all(a["category"] is None and a["created_at"] is None and a["bio"] is None for a in acc.values())
    assert acc["CityNewsToday"]["followers"] == 5400 and acc["CityNewsToday"]["following"] == 1200
    assert acc["VestiNovosti"]["location"] is None and acc["GameTagger"]["location"] == "United States"
    assert acc["VestiNovosti"]["language"] == "ru" and acc["PatriotJoe_1"]["post_count"] == 4
    assert all(a["source"] == "lockstep synth" for a in acc.values())

    truth = {r[1]: r for r in duckdb.sql(f"SELECT * FROM read_csv('{out / 'truth.csv'}', all_varchar=true)").fetchall()}
    assert truth["CityNewsToday"][3] == truth["RiverTownPost"][3] == "ira_NewsFeed"  # upper-case label matched
    assert truth["VestiNovosti"][3] == "ira_NonEnglish"  # not in the labels file: the file's own column
    assert truth["CityNewsToday"][2] == truth["RiverTownPost"][2] != truth["PatriotJoe_1"][2]
    synthetic_ids = {int(r[2]) for k, r in truth.items() if k not in REAL}
    assert min(int(truth[h][2]) for h in REAL) > max(synthetic_ids)
    assert truth["PatriotJoe_1"][5] == "4" and truth["VestiNovosti"][5] == "1"
    assert all(r[5] is None for k, r in truth.items() if k not in REAL)


def test_ingest_extracts_the_same_items_as_from_the_real_file(tmp_path: Path) -> None:
    out, _ = _embedded(tmp_path)
    with Store(tmp_path / "s.duckdb") as store:
        ingest_file(store, out / "posts.parquet", dataset="crowd")
        ingest_file(store, TWEETS, dataset="raw")
        rows = store.rows(
            "SELECT c.post_id, c.hashtags, r.hashtags, c.urls, r.urls, c.mentions, r.mentions, "
            "c.repost_of_account, r.repost_of_account FROM posts c JOIN posts r USING (platform, post_id) "
            "WHERE c.dataset = 'crowd' AND r.dataset = 'raw'")
    assert len(rows) == 14
    for r in rows:
        assert (r[1], r[3], r[5], r[7]) == (r[2], r[4], r[6], r[8])
    assert sum((r[7] or "").lower() == "citynewstoday" for r in rows) == 2
    assert any("crime" in r[1] for r in rows)


def test_week_two_and_a_start_date(tmp_path: Path) -> None:
    _, m = _embedded(tmp_path, week=2)
    assert m["embedded"]["slice"] == {"week": 2, "weeks": 1, "from": "2016-07-08", "to": "2016-07-14"}
    assert m["embedded"]["posts"] == 14
    assert set(m["embedded"]["network_ids"]) == {"HashtagGamer", "NewsFeed", "NonEnglish", "RightTroll"}
    _, m = _embedded(tmp_path / "b", start=dt.date(2016, 7, 4), weeks=2)
    assert m["embedded"]["slice"]["from"] == "2016-07-04" and m["embedded"]["posts"] == 23


def test_whole_day_shift_when_the_window_cannot_keep_the_weekday() -> None:
    friday = int(dt.datetime(2016, 7, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000
    monday = int(dt.datetime(2024, 3, 4, tzinfo=dt.UTC).timestamp()) * 1_000_000
    shift, kept = _placement(friday, WEEK_US, monday, monday + 30 * DAY_US)
    assert kept and shift % WEEK_US == 0 and monday <= friday + shift <= monday + 23 * DAY_US
    shift, kept = _placement(friday, WEEK_US, monday, monday + 8 * DAY_US)
    assert not kept and shift % DAY_US == 0 and monday <= friday + shift <= monday + DAY_US
    with pytest.raises(ConfigError, match="--days 14"):
        _placement(friday, 2 * WEEK_US, monday, monday + 8 * DAY_US)


def test_mistakes_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"week 5 of 'tweets.csv' holds no posts.*2016-07-01 to 2016-07-14"):
        _embedded(tmp_path, week=5)
    bad_labels = tmp_path / "labels.csv"
    bad_labels.write_text("who,what\na,b\n")
    with pytest.raises(SourceError, match="account_category"):
        _embedded(tmp_path, labels=bad_labels)
    other = tmp_path / "other.csv"
    other.write_text("id,text\n1,hello\n")
    with pytest.raises(SourceError, match="FiveThirtyEight"):
        _embedded(tmp_path, path=other)
    with pytest.raises(ConfigError, match="--embed-weeks"):
        EmbedSpec(path=TWEETS, weeks=0).validate()


def test_cli(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["synth", "--posts", "3000", "--networks", "2", "--seed", "1",
                                   "--out", str(tmp_path / "o"), "--embed", str(TWEETS), "--embed-week", "2", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["posts"] == 3014 and summary["embedded"]["posts"] == 14
    assert summary["accounts_per_style"]["ira_NewsFeed"] == 2
    res = CliRunner().invoke(cli, ["synth", "--posts", "2000", "--out", str(tmp_path / "p"), "--embed-week", "2"])
    assert isinstance(res.exception, ConfigError) and "need --embed FILE" in str(res.exception)
