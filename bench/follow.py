"""Benchmark of `lockstep follow`: time to detection of planted operations, organic accounts alerted on,
and what a windowed re-detection costs against a full re-run.

    python bench/follow.py                                   # 50,000 posts over 7 days, every 1 h, 72 h window
    python bench/follow.py --posts 1000000 --days 30 --every 1h --window 72h   # the issue's size (hours)
    python bench/follow.py --posts 20000 --every 2h --json

Steps: `lockstep synth` writes a benchmark with ground truth; `lockstep replay` plays its posts in time
order into `lockstep follow --stdin --clock data`, which re-detects every --every of post time over the
last --window; `lockstep evaluate --latency` reports, per planted operation, the delay from its first
post to the first alert naming two of its accounts (post time), and the organic accounts ever alerted
on. Then one full `lockstep detect` over all posts gives the cost of a full re-run, printed beside the
median windowed detection (the ratio is what windowing saves; it is not incremental detection).

Targets (issue 17, at 1M posts): median <= 2 h of post time, every style within 24 h, organic <= 0.5%.
Latency is in post time and leaves out the seconds each detection takes (printed apart).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOCKSTEP = [sys.executable, "-m", "lockstep"]


def run(args: list[str]) -> str:
    res = subprocess.run([*LOCKSTEP, *args], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"lockstep {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", default="1h")
    ap.add_argument("--window", default="72h")
    ap.add_argument("--fdr", default="0.01", help="follow --fdr (detection's false discovery rate)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lockstep-follow-bench-") as tmp:
        out, db = Path(tmp) / "synth", Path(tmp) / "live.duckdb"
        run(["synth", "--posts", str(a.posts), "--days", str(a.days), "--seed", str(a.seed), "--out", str(out),
             "--format", "jsonl"])
        t0 = time.perf_counter()
        replay = subprocess.Popen([*LOCKSTEP, "replay", str(out / "posts.jsonl")], stdout=subprocess.PIPE)
        # Batches of about a quarter of --every of posts, so detections fall where the data clock says.
        every_h = float(a.every.rstrip("h")) if a.every.endswith("h") else 1.0
        batch = max(50, int(a.posts / (a.days * 24) * every_h / 4))
        follow = subprocess.run([*LOCKSTEP, "follow", "--stdin", "--format", "lockstep", "--clock", "data",
                                 "--batch", str(batch), "--fdr", a.fdr, "--every", a.every, "--window", a.window, "--db", str(db), "--quiet", "--json"],
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
    per = figures["detect_seconds"]
    med = statistics.median(per) if per else None
    result = {
        "posts": a.posts, "days": a.days, "seed": a.seed, "every": a.every, "window": a.window, "fdr": a.fdr,
        "operations": lat["operations"], "detected": lat["detected"], "median_hours": lat["median_hours"],
        "max_hours": lat["max_hours"], "within_24h": lat["within_24h"], "per_style": lat["per_style"],
        "organic_alerted_share": lat["organic_alerted_share"], "organic_alerted": lat["organic_alerted"],
        "alerts": lat["alerts"], "detections": figures["detections"],
        "windowed_detect_median_s": med, "windowed_detect_max_s": max(per) if per else None,
        "full_detect_s": round(full, 2), "full_over_windowed": round(full / med, 2) if med else None,
        "follow_wall_s": round(follow_wall, 1), "posts_stored": figures["posts_stored"],
    }
    if a.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"follow on {a.posts:,} posts over {a.days} days (seed {a.seed}), every {a.every} of post time, "
          f"window {a.window}, FDR {a.fdr}: {figures['detections']} detections, {lat['alerts']} alerts, {follow_wall:.0f} s wall")
    print(f"operations detected: {lat['detected']} / {lat['operations']}; time to detection (post time): "
          f"median {lat['median_hours']} h, max {lat['max_hours']} h; within 24 h: {lat['within_24h']}")
    for style, v in sorted(lat["per_style"].items()):
        print(f"  {style:24s} {v['detected']}/{v['operations']} detected, median {v['median_hours']} h, "
              f"max {v['max_hours']} h")
    print(f"organic accounts alerted on: {lat['organic_alerted']} ({lat['organic_alerted_share']:.2%})")
    print(f"windowed detection: median {med} s, max {result['windowed_detect_max_s']} s; full re-run over all "
          f"posts: {full:.1f} s (full / windowed = {result['full_over_windowed']}x)")


if __name__ == "__main__":
    main()
