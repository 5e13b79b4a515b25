"""`synth --embed` on the real IRA 2016 H2 file in ../shared/data (skipped where it is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from lockstep.synth import generate, preset, write_dataset
from lockstep.synth.embed import EmbedSpec, embed

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_week_nine_of_the_ira_file(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "ira_2016h2"
    spec = EmbedSpec(path=folder / "ira_tweets_2016h2.csv.gz", labels=folder / "authors.csv", week=9)
    data = embed(generate(posts=20_000, seed=5, profile=preset("default")), spec.validate(), seed=5)
    write_dataset(data, tmp_path, "parquet")
    e = json.loads((tmp_path / "manifest.json").read_text())["embedded"]
    assert e["slice"]["from"] == "2016-08-26" and e["weekday_and_hour_kept"] is True
    assert e["accounts"] > 300 and e["posts"] > 10_000
    assert {"NewsFeed", "RightTroll", "LeftTroll", "NonEnglish"} <= set(e["network_ids"])
    assert e["jittered_posts"] == e["posts"]  # every real time was a whole minute
    con = duckdb.connect()
    # weekday and hour of day are those of the source: 2016-08-26 was a Friday, as is its image
    first = con.sql(f"SELECT min(time) FROM '{tmp_path / 'posts.parquet'}' p JOIN read_csv('{tmp_path / 'truth.csv'}') t "
                    "USING (account_id) WHERE t.operation_style LIKE 'ira_%'").fetchone()
    assert first is not None and first[0].weekday() == 4
