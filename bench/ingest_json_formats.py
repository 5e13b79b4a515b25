"""Throughput and peak memory of the JSON adapters (Telegram, Bluesky, Mastodon, Reddit).

Generates N synthetic records per format in a temporary folder (shapes as in the tests' fixtures),
ingests each file in a fresh child process into a fresh store, and prints posts/s and the child's
peak resident memory. The Telegram export is one big JSON document, so its figure shows whether
streaming keeps memory flat as the file grows (run with two sizes and compare).

    python bench/ingest_json_formats.py --rows 200000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
path, fmt, db = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
t = time.perf_counter()
with Store(db) as store:
    s = ingest_file(store, path, fmt=fmt)
secs = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"posts": s.posts_stored, "quarantined": s.quarantined, "seconds": secs, "peak_mb": peak_mb}))
"""


def _telegram(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"name": "Bench", "type": "public_channel", "id": 1, "messages": [\n')
        for i in range(n):
            msg = {"id": i + 1, "type": "message", "date": "2024-01-01T00:00:00", "date_unixtime": str(1_700_000_000 + i),
                   "from": "Bench", "from_id": f"user{i % 3000}",
                   "text": [f"post {i} ", {"type": "link", "text": f"https://s{i % 50}.example.com/{i}"}],
                   "text_entities": [{"type": "plain", "text": f"post {i} "},
                                     {"type": "link", "text": f"https://s{i % 50}.example.com/{i}"}]}
            fh.write(("," if i else "") + json.dumps(msg) + "\n")
        fh.write("]}\n")


def _bluesky(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            rec = {"$type": "app.bsky.feed.post", "text": f"post {i}", "createdAt": "2024-05-29T16:26:40.000Z",
                   "facets": [{"features": [{"$type": "app.bsky.richtext.facet#link",
                                             "uri": f"https://s{i % 50}.example.com/{i}"}]}]}
            fh.write(json.dumps({"did": f"did:plc:u{i % 3000}", "time_us": 1_717_000_000_000_000 + i, "kind": "commit",
                                 "commit": {"operation": "create", "collection": "app.bsky.feed.post",
                                            "rkey": f"r{i}", "record": rec}}) + "\n")


def _mastodon(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            acct = {"id": str(i % 3000), "acct": f"u{i % 3000}", "url": f"https://m.example/@u{i % 3000}",
                    "display_name": "U", "note": "<p>bio</p>", "followers_count": 1, "following_count": 1,
                    "statuses_count": 1, "created_at": "2022-01-01T00:00:00.000Z"}
            fh.write(json.dumps({"id": str(i), "uri": f"https://m.example/users/u/statuses/{i}",
                                 "created_at": "2024-03-01T12:00:00.000Z", "account": acct,
                                 "content": f'<p>post {i} <a href="https://s{i % 50}.example.com/{i}">link</a></p>',
                                 "tags": [], "mentions": [], "media_attachments": []}) + "\n")


def _reddit(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"c{i}", "body": f"comment {i} https://s{i % 50}.example.com/{i}",
                                 "link_id": "t3_x", "parent_id": "t3_x", "subreddit": "bench",
                                 "author": f"u{i % 3000}", "created_utc": 1_600_000_000 + i}) + "\n")


FORMATS = {"telegram_export": (_telegram, "result.json"), "bluesky": (_bluesky, "posts.jsonl"),
           "mastodon": (_mastodon, "statuses.jsonl"), "reddit": (_reddit, "RC.ndjson")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="records per format")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated adapter names")
    args = ap.parse_args()
    print(f"{'format':16} {'rows':>8} {'MB in':>7} {'seconds':>8} {'posts/s':>9} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            make, name = FORMATS[fmt]
            path = Path(tmp) / name
            t = time.perf_counter()
            make(path, args.rows)
            gen = time.perf_counter() - t
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), fmt, str(Path(tmp) / f"{fmt}.duckdb")],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            assert r["posts"] == args.rows, r
            print(f"{fmt:16} {args.rows:>8} {path.stat().st_size / 1e6:>7.1f} {r['seconds']:>8.1f} "
                  f"{args.rows / r['seconds']:>9,.0f} {r['peak_mb']:>8.0f}   (generated in {gen:.1f} s)")


if __name__ == "__main__":
    main()
