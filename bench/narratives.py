"""Benchmark: `lockstep narratives` with default settings on the IRA 2016 H2 data.

Ingests the file (``ira_csv``) into a fresh store (or reuses ``--db``), clears the embedding cache
so the model's work is paid in full, runs the CLI command exactly as a user would, and prints:
the wall time against the 15-minute target, the time per stage and the model's measured
texts/s, and how well the narratives of LeftTroll and RightTroll accounts separate: post-level
cluster purity against ``account_category`` (with the majority-class baseline, i.e. the purity
of one single topic) and normalized mutual information.

A planted-pivot check on the synthetic world (``narratives.planted``) runs after it.

Usage::

    python bench/narratives.py [SHARED_DATA_DIR] [--db STORE] [--warm]

``--warm`` keeps the embedding cache (measures a re-run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sklearn.metrics import normalized_mutual_info_score

from lockstep.ingest.pipeline import ingest_file
from lockstep.narratives.pivots import find_pivots
from lockstep.narratives.planted import START, load_planted
from lockstep.narratives.tables import ensure_narrative_tables
from lockstep.narratives.topics import TopicParams, build_topics
from lockstep.store import Store

TARGET_S = 15 * 60
REPO = Path(__file__).resolve().parents[1]


def purity(store: Store) -> dict[str, float]:
    rows = store.rows(
        "SELECT pt.topic_id, a.category FROM post_topics pt JOIN accounts a "
        "ON a.dataset = pt.dataset AND a.platform = pt.platform AND a.account_id = pt.account_id "
        "WHERE a.category IN ('LeftTroll', 'RightTroll')")
    clustered = [(t, c) for t, c in rows if t >= 0]
    by: dict[int, dict[str, int]] = {}
    for t, c in clustered:
        by.setdefault(t, {}).setdefault(c, 0)
        by[t][c] += 1
    right = sum(max(v.values()) for v in by.values())
    left_n = sum(1 for _, c in clustered if c == "LeftTroll")
    return {
        "posts": len(rows), "clustered": len(clustered),
        "purity": right / len(clustered),
        "baseline": max(left_n, len(clustered) - left_n) / len(clustered),
        "nmi": normalized_mutual_info_score([c for _, c in clustered], [t for t, _ in clustered]),
        "topics_used": len(by),
    }


def planted_check() -> str:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "p.duckdb") as store:
        out = []
        for seed, week in ((1, 4), (2, 6), (3, 9)):
            store.con.execute("DELETE FROM posts; DELETE FROM members")
            load_planted(store, seed=seed, weeks=12, pivot_week=week)
            build_topics(store, "planted", TopicParams(backend="tfidf", seed=seed))
            found = find_pivots(store, "planted")
            planted = START + timedelta(weeks=week)
            offs = [(datetime.fromisoformat(p["time"].rstrip("Z")) - planted).days / 7 for p in found]
            out.append(f"seed {seed}: planted week {week}, found {[(p['network_id'], o) for p, o in zip(found, offs, strict=True)]}")
        return "; ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", default=os.environ.get("LOCKSTEP_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--db", type=Path, default=None, help="reuse this store (ingest only if it has no posts)")
    ap.add_argument("--warm", action="store_true", help="keep the embedding cache")
    args = ap.parse_args()
    src = Path(args.data) / "ira_2016h2" / "ira_tweets_2016h2.csv.gz"
    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "bench.duckdb"
    with Store(db) as store:
        if not store.scalar("SELECT count(*) FROM posts"):
            if not src.exists():
                print(f"not found: {src} (pass the shared data folder as the first argument)", file=sys.stderr)
                return 2
            t = time.perf_counter()
            ingest_file(store, src, fmt="ira_csv", dataset="ira")
            print(f"ingest             {time.perf_counter() - t:.0f} s (not counted)")
        ensure_narrative_tables(store)
        if not args.warm:
            store.con.execute("DELETE FROM embeddings; DELETE FROM narrative_runs")
        dataset = store.datasets()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "lockstep", "narratives", "--db", str(db), "--dataset", dataset,
                          "--refresh", "--json"], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    load = os.getloadavg()[0]
    if res.returncode:
        print(res.stderr[-3000:], file=sys.stderr)
        return 1
    run = json.loads(res.stdout)["run"]
    with Store(db) as store:
        p = purity(store)
    print(f"posts              {run['posts']:,} with text ({run['unique_texts']:,} unique texts)")
    print(f"backend            {run['backend']} on {run['device']}: {run['model_texts']:,} texts through the model "
          f"at {run['model_texts_per_s'] or float('nan'):.1f} texts/s; {run['topics']} topics")
    print(f"stages (s)         {run['seconds']}")
    print(f"wall time          {wall:.0f} s   (target {TARGET_S} s; ratio {wall / TARGET_S:.2f}); "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"CPU time           {cpu:.0f} s (user+sys; an upper bound of the wall time on an otherwise idle "
          f"machine; ratio to target {cpu / TARGET_S:.2f})")
    print(f"Left/RightTroll    {p['posts']:,} posts, {p['clustered'] / p['posts']:.1%} in a topic, "
          f"{p['topics_used']} topics")
    print(f"purity             {p['purity']:.3f}   (one-topic baseline {p['baseline']:.3f}); NMI {p['nmi']:.3f}")
    print(f"planted pivots     {planted_check()}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
