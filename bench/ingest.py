"""Ingest throughput and peak memory per format, each file in a fresh child process.

Generates a ``lockstep synth`` dataset of N posts once, writes it out in each tabular format a
user meets (an X/Twitter information-operations archive CSV ``*_tweets_csv_hashed.csv``, the IRA
CSV layout, Lockstep's own CSV and Parquet), ingests each into a fresh store in a child process
and prints posts/s, the child's peak resident memory and the ratio against the target and
against the per-record baseline (the old row-by-row reader, ``--baseline``, run in the same way).

    python bench/ingest.py --posts 300000              # every format
    python bench/ingest.py --posts 300000 --baseline   # also the per-record path, for the ratio
    python bench/ingest.py --posts 10000000 --formats twitter_io_tweets   # bounded memory at 10M

Why a child per file: peak RSS (``ru_maxrss``) only ever grows, so each measurement needs a fresh
process; the figure then includes Python, DuckDB and Arrow themselves (about 150 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

TARGET_TABULAR = 150_000
TARGET_JSON = 50_000

CHILD = """
import json, resource, sys, time
from pathlib import Path
from lockstep.ingest import pipeline
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
path, fmt, db, baseline = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if baseline:
    import lockstep.ingest.twitter_io as tio
    tio.VECTORIZED = False
t = time.perf_counter()
with Store(db) as store:
    s = ingest_file(store, path, fmt=fmt)
secs = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"read": s.records_read, "posts": s.posts_stored, "quarantined": s.quarantined,
                  "seconds": secs, "peak_mb": peak_mb}))
"""

# The columns of a real ``*_tweets_csv_hashed.csv`` (2018-2021 releases), in their order.
IO_COLUMNS = (
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text", "tweet_time",
    "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid", "is_retweet",
    "retweet_userid", "retweet_tweetid", "latitude", "longitude", "quote_count", "reply_count", "like_count",
    "retweet_count", "hashtags", "urls", "user_mentions", "poll_choices",
)


def _list_cell(col: str) -> str:
    """A list column as the archives print it: ``[a, b]``, ``[]`` when empty."""
    return f"'[' || array_to_string(coalesce({col}, []), ', ') || ']'"


def write_io_archive(posts: Path, accounts: Path, out: Path) -> None:
    """Posts and accounts of a synth dataset as an X/Twitter IO archive tweets CSV."""
    con = duckdb.connect()
    con.execute(f"""
        COPY (
          SELECT p.post_id AS tweetid, p.account_id AS userid, a.display_name AS user_display_name,
                 p.handle AS user_screen_name, a.location AS user_reported_location,
                 a.bio AS user_profile_description, NULL AS user_profile_url,
                 a.followers AS follower_count, a.following AS following_count,
                 strftime(a.created_at, '%Y-%m-%d') AS account_creation_date, a.language AS account_language,
                 p.language AS tweet_language, p.text AS tweet_text, strftime(p.time, '%Y-%m-%d %H:%M') AS tweet_time,
                 p.client AS tweet_client_name, p.reply_to_account AS in_reply_to_userid,
                 p.reply_to_post AS in_reply_to_tweetid, p.quote_of_post AS quoted_tweet_tweetid,
                 CASE WHEN p.repost_of_post IS NULL THEN 'false' ELSE 'true' END AS is_retweet,
                 p.repost_of_account AS retweet_userid, p.repost_of_post AS retweet_tweetid,
                 'absent' AS latitude, 'absent' AS longitude, 0 AS quote_count, 0 AS reply_count,
                 0 AS like_count, 0 AS retweet_count, {_list_cell("p.hashtags")} AS hashtags,
                 {_list_cell("p.urls")} AS urls, {_list_cell("p.mentions")} AS user_mentions, NULL AS poll_choices
          FROM read_parquet('{posts}') p LEFT JOIN read_parquet('{accounts}') a USING (platform, account_id)
        ) TO '{out}' (HEADER, DELIMITER ',')""")
    con.close()


def write_ira(posts: Path, accounts: Path, out: Path) -> None:
    """The same posts in the FiveThirtyEight/Clemson IRA CSV layout (21 columns)."""
    con = duckdb.connect()
    con.execute(f"""
        COPY (
          SELECT p.account_id AS external_author_id, p.handle AS author, p.text AS content, a.location AS region,
                 p.language AS language, strftime(p.time, '%-m/%-d/%Y %H:%M') AS publish_date,
                 strftime(p.time, '%-m/%-d/%Y %H:%M') AS harvested_date, a.following AS following,
                 a.followers AS followers, 0 AS updates,
                 CASE WHEN p.repost_of_post IS NULL THEN 'ORIGINAL' ELSE 'RETWEET' END AS post_type,
                 'Russian' AS account_type, 0 AS retweet, a.category AS account_category, 0 AS new_june_2018,
                 0 AS alt_external_id, p.post_id AS tweet_id,
                 'http://twitter.com/' || p.handle || '/statuses/' || p.post_id AS article_url,
                 NULL AS tco1_step1, NULL AS tco2_step1, NULL AS tco3_step1
          FROM read_parquet('{posts}') p LEFT JOIN read_parquet('{accounts}') a USING (platform, account_id)
        ) TO '{out}' (HEADER, DELIMITER ',')""")
    con.close()


def write_native_csv(posts: Path, accounts: Path, out: Path) -> None:
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * REPLACE (to_json(urls)::VARCHAR AS urls, to_json(domains)::VARCHAR AS domains,
                    to_json(hashtags)::VARCHAR AS hashtags, to_json(mentions)::VARCHAR AS mentions,
                    to_json(media_hashes)::VARCHAR AS media_hashes) FROM read_parquet('{posts}'))
                    TO '{out}' (HEADER)""")
    con.close()


def write_parquet(posts: Path, accounts: Path, out: Path) -> None:
    out.symlink_to(posts)


#: adapter name -> (writer, file name, target posts/s)
FORMATS: dict[str, tuple[Callable[[Path, Path, Path], None], str, int]] = {
    "twitter_io_tweets": (write_io_archive, "bench_tweets_csv_hashed.csv", TARGET_TABULAR),
    "ira_csv": (write_ira, "IRAhandle_tweets_1.csv", TARGET_TABULAR),
    "lockstep": (write_parquet, "posts.parquet", TARGET_TABULAR),
}


def _child(path: Path, fmt: str, db: Path, baseline: bool) -> dict[str, float]:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), fmt, str(db), "1" if baseline else "0"],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"ingest of {path} ({fmt}) failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=300_000, help="posts to generate (default 300,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated adapter names")
    ap.add_argument("--baseline", action="store_true",
                    help="also run the per-record reader of formats that keep one, for the ratio")
    ap.add_argument("--work", type=Path, default=None, help="folder for the generated files (default: a temporary one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        synth = work / f"synth-{args.posts}"
        if not (synth / "posts.parquet").exists():
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "lockstep", "synth", "--posts", str(args.posts), "--seed",
                            str(args.seed), "--out", str(synth)], check=True, capture_output=True)
            print(f"generated {args.posts:,} posts with lockstep synth in {time.perf_counter() - t:.1f} s")
        posts, accounts = synth / "posts.parquet", synth / "accounts.parquet"
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"{'format':20} {'path':9} {'MB in':>7} {'read':>10} {'seconds':>8} {'posts/s':>10} "
              f"{'target':>8} {'peak MB':>8} {'vs baseline':>12}")
        for fmt in args.formats.split(","):
            write, name, target = FORMATS[fmt]
            path = work / name
            if not path.exists():
                write(posts, accounts, path)
            runs = [("vector", False)]
            if args.baseline and fmt == "twitter_io_tweets":
                runs.append(("per-rec", True))
            results = {}
            for label, baseline in runs:
                db = work / f"{fmt}-{label}.duckdb"
                db.unlink(missing_ok=True)
                r = _child(path, fmt, db, baseline)
                db.unlink(missing_ok=True)
                results[label] = r
                rate = r["read"] / r["seconds"]
                ratio = ""
                if label != "vector" and "vector" in results:
                    v = results["vector"]
                    ratio = f"{(v['read'] / v['seconds']) / rate:.1f}x"
                print(f"{fmt:20} {label:9} {path.stat().st_size / 1e6:>7.1f} {int(r['read']):>10,} "
                      f"{r['seconds']:>8.1f} {rate:>10,.0f} {rate / target:>7.2f}x {r['peak_mb']:>8.0f} {ratio:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
