"""Benchmark: how close a reported pivot is to the planted one (issue 17 target: within 6 hours).

    python bench/pivots.py [--seeds 8]

On the planted narrative world (``lockstep.narratives.planted``: 12 weeks, network 1 moves from
football to the Ukraine war), the pivot is planted at a different week and hour for every seed, never
on a window boundary. ``lockstep pivots``' defaults find it (TF-IDF topics, the window adapted to the
span); printed per seed: the planted time, the reported change point and its 90% interval, the window
boundary the test flagged, and the errors of both; then the median and maximum error, and how many
intervals hold the planted time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import datetime
from pathlib import Path

from lockstep.narratives.pivots import find_pivots
from lockstep.narratives.planted import load_planted, pivot_time
from lockstep.narratives.topics import TopicParams, build_topics
from lockstep.store import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=8)
    a = ap.parse_args()
    errors, boundary_errors, covered, missed = [], [], 0, 0
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "p.duckdb") as store:
        for seed in range(a.seeds):
            week, hours = 3 + seed % 6, 7 + (seed * 37) % 150
            store.con.execute("DELETE FROM posts; DELETE FROM members")
            load_planted(store, seed=seed, weeks=12, pivot_week=week, pivot_offset_hours=hours)
            build_topics(store, "planted", TopicParams(backend="tfidf", seed=seed))
            planted = pivot_time(week, hours)
            found = [p for p in find_pivots(store, "planted") if p["network_id"] == 1]
            if not found:
                missed += 1
                print(f"seed {seed}: planted {planted:%Y-%m-%d %H:%M}, not found")
                continue
            p = min(found, key=lambda p: abs(datetime.fromisoformat(p["time"][:-1]) - planted))
            when, edge = datetime.fromisoformat(p["time"][:-1]), datetime.fromisoformat(p["window_boundary"][:-1])
            lo, hi = (datetime.fromisoformat(t[:-1]) for t in p["interval"])
            err, edge_err = abs(when - planted).total_seconds() / 3600, abs(edge - planted).total_seconds() / 3600
            errors.append(err)
            boundary_errors.append(edge_err)
            covered += lo <= planted <= hi
            print(f"seed {seed}: planted {planted:%Y-%m-%d %H:%M}, reported {when:%Y-%m-%d %H:%M} "
                  f"[{lo:%m-%d %H:%M} .. {hi:%m-%d %H:%M}], error {err:.1f} h; window boundary "
                  f"{edge:%Y-%m-%d %H:%M} ({edge_err:.1f} h off, {p['window_days']:g}-day windows)")
    print(f"change point error: median {statistics.median(errors):.1f} h, max {max(errors):.1f} h "
          f"(target <= 6 h); window boundary error: median {statistics.median(boundary_errors):.1f} h, "
          f"max {max(boundary_errors):.1f} h; 90% intervals holding the planted time: {covered}/{len(errors)}; "
          f"not found: {missed}")


if __name__ == "__main__":
    main()
