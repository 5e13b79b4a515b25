"""Auto-detection picks each of these formats from content, also under a misleading name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lockstep.ingest.pipeline import detect_format
from tests.conftest import DATA

CASES = {
    "io_tweets.csv": ("twitter_io_tweets", "ira_tweets.jsonl"),
    "io_users.csv": ("twitter_io_users", "x_tweets_csv_hashed.csv"),
    "ira_2016h2.csv": ("ira_csv", "foo_users_csv_hashed.csv"),
    "ira_538.csv": ("ira_csv", "export.json"),
    "twarc2_raw.jsonl": ("twarc2_jsonl", "crowdtangle.csv"),
    "twarc2_flat.jsonl": ("twarc2_jsonl", "data.csv"),
    "twarc.csv": ("twarc_csv", "tweets.jsonl"),
    "crowdtangle_fb.csv": ("crowdtangle_csv", "twarc.jsonl"),
    "crowdtangle_ig.csv": ("crowdtangle_csv", "posts.txt"),
    "cosharing_objects.csv": ("cosharing", "result.json"),
    "cosharing_posts.csv": ("cosharing", "posts.parquet.csv"),
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_detected_from_content(fixture: str, tmp_path: Path) -> None:
    expected, misleading = CASES[fixture]
    src = DATA / "ingest" / fixture
    assert detect_format(src) == expected
    renamed = tmp_path / misleading
    shutil.copy(src, renamed)
    assert detect_format(renamed) == expected


def test_compressed_file_is_detected(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "dump.gz"
    path.write_bytes(gzip.compress((DATA / "ingest" / "cosharing_posts.csv").read_bytes()))
    assert detect_format(path) == "cosharing"
