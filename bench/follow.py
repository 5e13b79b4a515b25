"""Benchmark of `lockstep follow`: time to detection of planted operations, organic accounts alerted on,
and what a windowed re-detection costs against a full re-run.

    python bench/follow.py                                   # 50,000 posts over 7 days after a 3-day warm-up
    python bench/follow.py --posts 1000000 --days 30 --every 1h --window 72h   # the issue's size (hours)
    python bench/follow.py --posts 20000 --every 2h --json

Steps: `lockstep synth --quiet-days W` writes a benchmark with ground truth over W + --days days (posts
scaled so the followed --days hold --posts) whose planted operations act only after the first W days
(--warmup-days, default 3), at the rhythm they would have in a --days benchmark. Those W days are the
**crowd history** a deployed `follow` already holds: they are ingested before following starts, so the
null model of the first re-detections (item popularity, account activity) rests on a full window of
background, as in production, not on the few hours since a replay began (--warmup-days 0: the old
empty-store start, operations active from the first minute).
`lockstep replay` plays the remaining posts in time order into `lockstep follow --stdin --clock data`, which re-detects every --every of post time over the
last --window; `lockstep evaluate --latency` reports, per planted operation, the delay from its first
post to the first alert naming two of its accounts (post time), and the organic accounts ever alerted
on. Then one full `lockstep detect` over all posts gives the cost of a full re-run, printed beside the
median windowed detection (the ratio is what windowing saves; it is not incremental detection), and
`lockstep evaluate` of that batch run gives the batch organic flagged share to compare with.

Targets (issue 17, at 1M posts): median <= 2 h of post time, every style within 24 h, organic <= 0.5%.
Latency is in post time and leaves out the seconds each detection takes (printed apart).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from lockstep.duration import parse_duration

LOCKSTEP = [sys.executable, "-m", "lockstep"]


def run(args: list[str]) -> str:
    res = subprocess.run([*LOCKSTEP, *args], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"lockstep {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return res.stdout


def split_warmup(posts: Path, truth: Path, cut: datetime, warm: Path, live: Path) -> dict[str, int]:
    """Posts before ``cut`` go to ``warm``, the rest to ``live``. With ``synth --quiet-days`` no operation
    posts before ``cut``; any that did would be dropped (counted), so every operation starts after it."""
    with truth.open(newline="") as fh:
        ops = {(r["platform"], r["account_id"]) for r in csv.DictReader(fh) if int(r["network_id"]) > 0}
    n = {"warmup_posts": 0, "dropped_operation_posts": 0, "followed_posts": 0}
    with posts.open() as src, warm.open("w") as w, live.open("w") as lv:
        for line in src:
            if not line.strip():
                continue
            r = json.loads(line)
            if datetime.fromisoformat(r["time"]) >= cut:
                lv.write(line)
                n["followed_posts"] += 1
            elif (r["platform"], r["account_id"]) in ops:
                n["dropped_operation_posts"] += 1
            else:
                w.write(line)
                n["warmup_posts"] += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=50_000, help="posts over the followed --days")
    ap.add_argument("--days", type=int, default=7, help="days followed (after the warm-up)")
    ap.add_argument("--warmup-days", type=int, default=3,
                    help="days of crowd history stored before following starts (0: an empty store)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", default="1h")
    ap.add_argument("--window", default="72h")
    ap.add_argument("--fdr", default="0.01", help="follow --fdr (detection's false discovery rate)")
    ap.add_argument("--min-items", default=None, help="follow --min-items (shared-item traces' minimum; default: follow's, 2)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    warm_days = a.warmup_days
    with tempfile.TemporaryDirectory(prefix="lockstep-follow-bench-") as tmp:
        out, db = Path(tmp) / "synth", Path(tmp) / "live.duckdb"
        total = round(a.posts * (a.days + warm_days) / a.days)
        run(["synth", "--posts", str(total), "--days", str(a.days + warm_days), "--quiet-days", str(warm_days),
             "--seed", str(a.seed), "--out", str(out), "--format", "jsonl"])
        feed = out / "posts.jsonl"
        split = {"warmup_posts": 0, "dropped_operation_posts": 0, "followed_posts": total}
        if warm_days > 0:
            start = json.loads((out / "manifest.json").read_text())["window"]["start"]
            cut = datetime.fromisoformat(start.replace("Z", "+00:00")).replace(tzinfo=None) + timedelta(days=warm_days)
            feed = Path(tmp) / "live.jsonl"
            split = split_warmup(out / "posts.jsonl", out / "truth.csv", cut, Path(tmp) / "warm.jsonl", feed)
            run(["ingest", str(Path(tmp) / "warm.jsonl"), "--format", "lockstep", "--db", str(db)])
        t0 = time.perf_counter()
        replay = subprocess.Popen([*LOCKSTEP, "replay", str(feed)], stdout=subprocess.PIPE)
        # Batches of about a quarter of --every of posts, so detections fall where the data clock says.
        batch = max(50, int(a.posts / (a.days * 24) * _hours(a.every) / 4))
        follow = subprocess.run([*LOCKSTEP, "follow", "--stdin", "--format", "lockstep", "--clock", "data",
                                 "--batch", str(batch), "--fdr", a.fdr, "--every", a.every, "--window", a.window,
                                 *(["--min-items", a.min_items] if a.min_items else []),
                                 "--db", str(db), "--quiet", "--json"],
                                stdin=replay.stdout, capture_output=True, text=True)
        replay.wait()
        follow_wall = time.perf_counter() - t0
        if follow.returncode != 0:
            sys.exit(f"follow failed:\n{follow.stderr[-3000:]}")
        figures = json.loads(follow.stdout)
        lat = json.loads(run(["evaluate", "--latency", "--truth", str(out / "truth.csv"), "--db", str(db),
                              "--json"]))
        t1 = time.perf_counter()
        run(["detect", "--db", str(db), "--no-signals"])
        full = time.perf_counter() - t1
        batch_eval = json.loads(run(["evaluate", "--truth", str(out / "truth.csv"), "--db", str(db), "--json"]))
    per = figures["detect_seconds"]
    med = statistics.median(per) if per else None
    result = {
        "posts": a.posts, "days": a.days, "warmup_days": warm_days, **split, "seed": a.seed, "every": a.every, "window": a.window, "fdr": a.fdr, "min_items": a.min_items,
        "operations": lat["operations"], "detected": lat["detected"], "median_hours": lat["median_hours"],
        "max_hours": lat["max_hours"], "within_24h": lat["within_24h"], "per_style": lat["per_style"],
        "organic_alerted_share": lat["organic_alerted_share"], "organic_alerted": lat["organic_alerted"],
        "alerts": lat["alerts"], "detections": figures["detections"],
        "batch_organic_flagged_share": batch_eval.get("organic_flagged_share"),
        "batch_recall": batch_eval.get("recall"),
        "windowed_detect_median_s": med, "windowed_detect_max_s": max(per) if per else None,
        "full_detect_s": round(full, 2), "full_over_windowed": round(full / med, 2) if med else None,
        "follow_wall_s": round(follow_wall, 1), "posts_stored": figures["posts_stored"],
    }
    if a.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"follow on {split['followed_posts']:,} posts over {a.days} days after a {warm_days}-day warm-up of "
          f"{split['warmup_posts']:,} organic posts (seed {a.seed}; {split['dropped_operation_posts']:,} operation "
          f"posts of the warm-up dropped), every {a.every} of post time, window {a.window}, FDR {a.fdr}, min items {a.min_items or 'default'}: "
          f"{figures['detections']} detections, {lat['alerts']} alerts, {follow_wall:.0f} s wall")
    print(f"operations detected: {lat['detected']} / {lat['operations']}; time to detection (post time): "
          f"median {lat['median_hours']} h, max {lat['max_hours']} h; within 24 h: {lat['within_24h']}")
    for style, v in sorted(lat["per_style"].items()):
        print(f"  {style:24s} {v['detected']}/{v['operations']} detected, median {v['median_hours']} h, "
              f"max {v['max_hours']} h")
    print(f"organic accounts alerted on: {lat['organic_alerted']} ({lat['organic_alerted_share']:.2%}); batch "
          f"detect over all posts flags {result['batch_organic_flagged_share']:.2%} of organic accounts "
          f"(recall {result['batch_recall']})")
    print(f"windowed detection: median {med} s, max {result['windowed_detect_max_s']} s; full re-run over all "
          f"posts: {full:.1f} s (full / windowed = {result['full_over_windowed']}x)")


def _hours(text: str) -> float:
    """'2h', '30m', '3d', '0' -> hours."""
    if text.strip() in ("0", ""):
        return 0.0
    return parse_duration(text) / 3600


if __name__ == "__main__":
    main()
