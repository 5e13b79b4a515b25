"""Peak memory of a big ingest, measured in a child process: a 2M-row IO archive CSV (written a
part at a time inside the file's one transaction) must stay under a bound.

The bound is what the pipeline holds today (about 2.1 GB here, most of it DuckDB's state for the
open transaction; issue 15's target of <= 2 GB at 10M posts is not met yet), so a regression that
stages more shows up here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lockstep.sql import literal

ROWS = 2_000_000
#: Measured: 2,133 MB (2,144 MB before files were written in parts); Python, DuckDB and Arrow
#: take ~250 MB before any data.
PEAK_BOUND_MB = 2_600

pytestmark = pytest.mark.slow

CHILD = """
import json, resource, sys
from pathlib import Path
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
with Store(sys.argv[2]) as store:
    s = ingest_file(store, Path(sys.argv[1]), fmt="twitter_io_tweets", dataset="big")
print(json.dumps({"posts": s.posts_stored, "accounts": s.accounts_stored, "quarantined": s.quarantined,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _write(path: Path) -> None:
    duckdb.sql(f"""
        COPY (SELECT 1000000000 + i AS tweetid, 'u' || (i % 20000) AS userid, 'h' || (i % 20000) AS user_screen_name,
                     strftime(TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND, '%Y-%m-%d %H:%M') AS tweet_time,
                     'post ' || i || ' about #topic' || (i % 97) || ' https://site' || (i % 50) || '.example/' || i
                       AS tweet_text,
                     '[topic' || (i % 97) || ']' AS hashtags, '[]' AS urls, 'false' AS is_retweet
              FROM range({ROWS}) t(i)) TO {literal(str(path))} (HEADER)""")


def test_a_2m_row_file_ingests_in_bounded_memory(tmp_path: Path) -> None:
    src = tmp_path / "big_tweets_csv_hashed.csv"
    _write(src)
    out = subprocess.run([sys.executable, "-c", CHILD, str(src), str(tmp_path / "big.duckdb")],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert (r["posts"], r["accounts"], r["quarantined"]) == (ROWS, 20_000, 0)
    assert r["peak_mb"] < PEAK_BOUND_MB, f"peak RSS {r['peak_mb']:.0f} MB for {ROWS:,} rows"
