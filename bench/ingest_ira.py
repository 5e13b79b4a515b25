"""Benchmark: ingest the full IRA 2016 H2 file (589,604 rows) into a fresh store.

Prints rows/s end to end (adapter + enrichment + commit), peak memory of the process, and both
against the targets (>= 100,000 posts/s, <= 2 GB) as ratios. With ``--profile`` it also prints
the time spent in reading, enrichment and commit.

Usage::

    python bench/ingest_ira.py [SHARED_DATA_DIR] [--profile]

The data folder is the first argument, else ``LOCKSTEP_SHARED_DATA``, else ``../shared/data``
relative to the repository.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from lockstep.ingest import pipeline
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store

TARGET_ROWS_S = 100_000
TARGET_PEAK_BYTES = 2 * 1024**3
REPO = Path(__file__).resolve().parents[1]


def _timed(name: str, fn, spent: dict[str, float]):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
    return wrapper


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=os.environ.get("LOCKSTEP_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--profile", action="store_true", help="also print time per pipeline stage")
    args = ap.parse_args()
    src = Path(args.data) / "ira_2016h2" / "ira_tweets_2016h2.csv.gz"
    if not src.exists():
        print(f"not found: {src} (pass the shared data folder as the first argument)", file=sys.stderr)
        return 2
    spent: dict[str, float] = {}
    if args.profile:
        pipeline._enrich = _timed("enrich", pipeline._enrich, spent)  # type: ignore[assignment]
        pipeline._commit = _timed("commit", pipeline._commit, spent)  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        t0 = time.perf_counter()
        summary = ingest_file(store, src, fmt="auto", dataset="ira")
        wall = time.perf_counter() - t0
        posts = store.scalar("SELECT count(*) FROM posts")
        accounts = store.scalar("SELECT count(*) FROM accounts")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss * 1024  # Linux reports KiB
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(f"adapter            {summary.adapter}")
    rows = posts + summary.duplicates + summary.quarantined
    print(f"source rows        {rows:,} (posts stored {posts:,}, duplicates {summary.duplicates:,}, "
          f"quarantined {summary.quarantined:,}; accounts stored {accounts:,})")
    print(f"wall time          {wall:.2f} s   (CPU {cpu:.2f} s over all threads; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work on the machine slows wall time)")
    rate = rows / wall
    print(f"rows/s             {rate:,.0f}   (target {TARGET_ROWS_S:,}; ratio {rate / TARGET_ROWS_S:.2f})")
    print(f"peak memory        {peak / 1024**2:,.0f} MiB   (target {TARGET_PEAK_BYTES / 1024**2:,.0f} MiB; "
          f"ratio {peak / TARGET_PEAK_BYTES:.2f})")
    if args.profile:
        reading = wall - sum(spent.values())
        print(f"profile            read+stage {reading:.2f} s, enrich {spent.get('enrich', 0):.2f} s, "
              f"commit {spent.get('commit', 0):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
