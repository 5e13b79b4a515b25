"""Time `lockstep intel match`: 100,000 indicators against N posts (issue: <= 2 min for 10M posts).

    python bench/intel_match.py [--posts 10000000] [--indicators 100000] [--db FILE]

Posts are generated in DuckDB (its own generator: 1M accounts, links to 200k domains, texts from a
numbered texts, every tenth with a link). Indicators mix domains (40%), URLs (30%), handles (20%) and
text fingerprints (10%); about half of each kind are present in the posts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from lockstep.ingest.normalize import text_fingerprint
from lockstep.share import tables
from lockstep.share.ids import stix_id
from lockstep.share.match import match
from lockstep.store import Store


def populate(store: Store, posts: int) -> None:
    store.con.execute(f"""
        INSERT INTO posts (dataset, platform, post_id, account_id, handle, time, text, urls, domains,
                           hashtags, mentions, media_hashes)
        SELECT 'bench', 'twitter', 'p' || i, 'a' || (i % 1000000), 'user_' || (i % 1000000),
               TIMESTAMP '2024-01-01' + INTERVAL (i % 5000000) SECOND,
               'news about topic ' || (i % 50000) || ' item ' || i || CASE WHEN i % 10 = 0 THEN ' https://t.co/x' || i ELSE '' END,
               CASE WHEN i % 3 = 0 THEN ['https://site' || (i % 200000) || '.com/article/' || (i % 1000000)] ELSE [] END,
               CASE WHEN i % 3 = 0 THEN ['site' || (i % 200000) || '.com'] ELSE [] END, [], [], []
        FROM range({posts}) r(i)""")
    store.con.execute(f"""INSERT INTO accounts (dataset, platform, account_id, handle)
                          SELECT 'bench', 'twitter', 'a' || i, 'user_' || i FROM range(least({posts}, 1000000)) r(i)""")


def indicators(n: int) -> pa.Table:
    rows: dict[str, list] = {"indicator_id": [], "type": [], "value": [], "producer": []}

    def add(kind: str, value: str) -> None:
        rows["indicator_id"].append(stix_id("indicator", "bench", kind, value))
        rows["type"].append(kind)
        rows["value"].append(value)
        rows["producer"].append("Bench partner")

    for k in range(int(n * 0.4)):
        add("domain", f"site{k * 3 if k % 2 else 10**7 + k}.com")
    for k in range(int(n * 0.3)):
        add("url", f"https://site{(3 * k) % 200000}.com/article/{3 * k}" if k % 2 else f"https://nowhere{k}.org/x")
    for k in range(int(n * 0.2)):
        add("account", f"user_{k * 7}" if k % 2 else f"ghost_{k}")
    for k in range(n - len(rows["type"])):
        j = 97 * k
        present = f"news about topic {j % 50000} item {j}" + (f" https://t.co/x{j}" if j % 10 == 0 else "")
        add("text_fingerprint", text_fingerprint(present if k % 2 else f"absent {k}"))
    return pa.table(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="Keep the generated store here (default: temporary).")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.duckdb"
        with Store(path) as store:
            tables.ensure(store)
            if not store.scalar("SELECT count(*) FROM posts WHERE dataset = 'bench'"):
                t = time.perf_counter()
                populate(store, args.posts)
                print(f"generated {args.posts:,} posts in {time.perf_counter() - t:.1f} s")
            store.con.execute("DELETE FROM indicators")
            store.append("indicators", indicators(args.indicators))
            t = time.perf_counter()
            s = match(store, "bench")
            took = time.perf_counter() - t
            print(f"matched {s.indicators:,} indicators {s.by_type} against "
                  f"{store.scalar('SELECT count(*) FROM posts'):,} posts: {s.sightings:,} sightings, "
                  f"{s.posts_matched:,} posts matched")
            print(f"seconds per type: {s.seconds_by_type}")
            print(f"match {took:.1f} s (target 120 s for 10M posts: {took / 120:.2f} of budget)")


if __name__ == "__main__":
    main()
