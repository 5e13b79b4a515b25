"""Benchmark of `lockstep detect`: speed, memory and quality on the synthetic benchmark, and the same
data through the peer `coordination-network-toolkit` (where installed) for the traces both have.

    python bench/detect.py                      # 1M posts, all traces, peer on the same data
    python bench/detect.py --posts 10000000     # the 10M run (opt-in: takes minutes)
    python bench/detect.py --posts 100000 --seed 2 --json

Prints per trace: wall seconds, CPU seconds, peak memory (process high-water mark after the trace),
candidate and significant pairs; the total; the evaluation figures per operation style and per
hard-negative group; and, for the peer, its time per network, the time ratio peer / Lockstep
(target: >= 10) and its account-level precision/recall next to ours. Wall time depends on what
else runs on the machine; CPU seconds are printed beside it for that reason.

The peer is not a dependency of Lockstep: install it into the environment for the bench only
(`pip install coordination-network-toolkit`). Its networks have no significance test, so an
account counts as flagged by it when it has an edge of weight >= --peer-min-weight.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

#: Lockstep trace (as timed alone, see `trace_alone_seconds`) -> the peer's network doing the same
#: thing. The peer's co-tweet matches exact texts only, so it is compared with co_text in exact mode;
#: its co-similar-tweet with co_text as it runs by default (exact and near-duplicate texts).
PEER_NETWORKS = {"co_repost": "co_retweet", "co_text (exact)": "co_tweet", "co_link": "co_link",
                 "co_text (near-duplicates)": "co_similar_tweet"}


def sh(args: list[str]) -> tuple[str, float, float, float]:
    """Run a command; returns stdout, wall seconds, CPU seconds and the child's peak RSS (MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{res.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return res.stdout, wall, cpu, after.ru_maxrss / 1024


def run_lockstep(work: Path, posts: int, seed: int, reuse: bool = False) -> dict[str, Any]:
    data, db = work / "synth", work / "bench.duckdb"
    synth_s = ingest_s = 0.0
    if not (reuse and db.exists() and (data / "truth.csv").exists()):
        _, synth_s, _, _ = sh(["lockstep", "synth", "--posts", str(posts), "--seed", str(seed), "--out", str(data)])
        _, ingest_s, _, _ = sh(["lockstep", "ingest", str(data / "posts.parquet"), str(data / "accounts.parquet"),
                                "--db", str(db), "--dataset", "bench", "--json"])
    out, wall, cpu, rss = sh(["lockstep", "detect", "--db", str(db), "--json", "--no-signals"])
    summary = json.loads(out)
    ev, _, _, _ = sh(["lockstep", "evaluate", "--db", str(db), "--truth", str(data / "truth.csv"), "--json"])
    return {"data": data, "db": db, "synth_s": synth_s, "ingest_s": ingest_s, "detect_wall_s": wall,
            "detect_cpu_s": cpu, "detect_peak_rss_mb": rss, "summary": summary, "evaluation": json.loads(ev)}


def trace_alone_seconds(db: Path, windows: dict[str, float], repeats: int = 3) -> dict[str, float]:
    """Wall seconds of each peer-comparable trace run on its own against the store (best of
    ``repeats``): the like-for-like figure for the peer's per-network times. Each run does the
    trace's whole work as `lockstep detect` does it (reading the posts, pairs, null model, p-values,
    evidence of every candidate pair)."""
    from lockstep.engine.duckdb import DuckDBEngine
    from lockstep.store import Store
    from lockstep.traces.co_link import CoLink
    from lockstep.traces.co_repost import CoRepost
    from lockstep.traces.co_text import CoText

    makers = {
        "co_repost": lambda: CoRepost(window=windows.get("co_repost", 600.0)),
        "co_text (exact)": lambda: CoText(window=windows.get("co_text", 3600.0), near_duplicates=False),
        "co_link": lambda: CoLink(window=windows.get("co_link", 1800.0)),
        "co_text (near-duplicates)": lambda: CoText(window=windows.get("co_text", 3600.0)),
    }
    store = Store(db, read_only=True)
    try:
        engine = DuckDBEngine.for_store(store, memory_limit="3GB")
        engine.execute("CREATE OR REPLACE TEMP VIEW _ls_posts AS SELECT * FROM posts")
        out = {}
        for label, make in makers.items():
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                make().detect(engine, "_ls_posts", p_max=1.0)
                best = min(best, time.perf_counter() - t)
            out[label] = best
        return out
    finally:
        store.close()


def account_quality(flagged: set[str], truth: pd.DataFrame) -> dict[str, float]:
    ops = set(truth.loc[truth["network_id"] != 0, "account_id"].astype(str))
    organic = set(truth.loc[truth["network_id"] == 0, "account_id"].astype(str))
    tp = len(flagged & ops)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(ops) if ops else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"flagged": len(flagged), "precision": precision, "recall": recall, "f1": f1,
            "organic_flagged_share": len(flagged & organic) / max(len(organic), 1)}


def run_peer(db: Path, truth: pd.DataFrame, work: Path, windows: dict[str, float], min_weight: int,
             threads: int, only: set[str]) -> dict[str, Any]:
    try:
        import coordination_network_toolkit as cnt  # noqa: F401
        from coordination_network_toolkit import compute_networks as cn
        from coordination_network_toolkit.preprocess import preprocess_data
    except ImportError:
        return {"installed": False,
                "note": "coordination-network-toolkit is not installed: pip install coordination-network-toolkit"}
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT post_id, account_id, account_id, repost_of_post, reply_to_post, coalesce(text, ''), "
        "epoch(time), coalesce(urls, []) FROM posts ORDER BY time, post_id").fetchall()
    con.close()
    peer_db = str(work / "peer.sqlite")
    for stale in work.glob("peer.sqlite*"):
        stale.unlink()
    with contextlib.redirect_stdout(sys.stderr):  # the peer prints progress; keep stdout for our report
        return _peer_networks(cn, preprocess_data, rows, peer_db, truth, windows, min_weight, threads, only)


def _peer_networks(cn: Any, preprocess_data: Any, rows: list[Any], peer_db: str, truth: pd.DataFrame,
                   windows: dict[str, float], min_weight: int, threads: int, only: set[str]) -> dict[str, Any]:
    t = time.perf_counter()
    preprocess_data(peer_db, ((r[0], r[1], r[2], r[3] or "", r[4] or "", r[5], r[6], list(r[7])) for r in rows))
    out: dict[str, Any] = {"installed": True, "preprocess_s": time.perf_counter() - t, "networks": {}}
    calls = {
        "co_retweet": lambda w: cn.compute_co_retweet_parallel(peer_db, w, n_threads=threads),
        "co_tweet": lambda w: cn.compute_co_tweet_network(peer_db, w, n_threads=threads),
        "co_link": lambda w: cn.compute_co_link_network(peer_db, w, n_threads=threads),
        "co_similar_tweet": lambda w: cn.compute_co_similar_tweet(peer_db, w, n_threads=threads),
    }
    import sqlite3

    flagged_all: set[str] = set()
    for ours, theirs in PEER_NETWORKS.items():
        if theirs not in only:
            continue
        w = int(windows.get(ours.split(" ")[0], 60))  # the window our trace used
        t = time.perf_counter()
        calls[theirs](w)
        secs = time.perf_counter() - t
        lite = sqlite3.connect(peer_db)
        edges = lite.execute(f"SELECT user_1, user_2, weight FROM {theirs}_network WHERE user_1 != user_2 "
                             "AND weight >= ?", [min_weight]).fetchall()
        lite.close()
        flagged = {str(u) for a, b, _ in edges for u in (a, b)}
        flagged_all |= flagged
        out["networks"][theirs] = {"seconds": secs, "window_s": w, "edges": len(edges),
                                   **account_quality(flagged, truth)}
    out["union"] = account_quality(flagged_all, truth)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-peer", action="store_true", help="Skip coordination-network-toolkit.")
    ap.add_argument("--peer-min-weight", type=int, default=3)
    ap.add_argument("--peer-threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None, help="Folder for the data (default: a temporary one).")
    ap.add_argument("--peer-networks", default="co_retweet,co_tweet,co_link",
                    help="Peer networks to run; add co_similar_tweet for near-duplicate texts (over an "
                         "hour at 1M posts on 2 cores).")
    ap.add_argument("--reuse", action="store_true",
                    help="Reuse the data and store already in --work (skips synth and ingest).")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        res = run_lockstep(work, args.posts, args.seed, args.reuse)
        truth = pd.read_csv(res["data"] / "truth.csv", dtype={"account_id": str})
        traces = {t["trace"]: t for t in res["summary"]["traces"]}
        # Only for the peer comparison (minutes at 10M posts).
        res["alone_s"] = {} if args.no_peer else trace_alone_seconds(
            res["db"], {k: v["window_s"] for k, v in traces.items()})
        if not args.json:  # our figures first, in case the peer is stopped
            report(args, res, traces, {"skipped": True})
        peer = {"skipped": True} if args.no_peer else run_peer(
            res["db"], truth, work, {k: v["window_s"] for k, v in traces.items()}, args.peer_min_weight,
            args.peer_threads, set(args.peer_networks.split(",")))
        if args.json or peer.get("installed"):
            report(args, res, traces, peer)


def report(args: argparse.Namespace, res: dict[str, Any], traces: dict[str, Any], peer: dict[str, Any]) -> None:
    ev = res["evaluation"]
    ours_q = {"precision": ev["precision"], "recall": ev["recall"], "f1": ev["f1"],
              "organic_flagged_share": ev["organic_flagged_share"]}
    ratios = {}
    if peer.get("installed"):
        for ours, theirs in PEER_NETWORKS.items():
            if theirs not in peer["networks"]:
                continue
            ours_s = res["alone_s"][ours]
            ratios[f"{theirs} / {ours}"] = peer["networks"][theirs]["seconds"] / max(ours_s, 1e-9)
    doc = {
        "posts": args.posts, "seed": args.seed, "synth_s": res["synth_s"], "ingest_s": res["ingest_s"],
        "detect_wall_s": res["detect_wall_s"], "detect_cpu_s": res["detect_cpu_s"],
        "detect_peak_rss_mb": res["detect_peak_rss_mb"], "step_seconds": res["summary"]["step_seconds"],
        "traces": res["summary"]["traces"], "peer_comparable_traces_alone_s": res["alone_s"], "quality": ours_q, "recall_per_style": ev.get("recall_per_style"),
        "negative_groups": ev.get("negative_groups"), "peer": peer, "time_ratios_peer_over_lockstep": ratios,
    }
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return
    print(f"posts {args.posts:,}  seed {args.seed}  synth {res['synth_s']:.1f} s  ingest {res['ingest_s']:.1f} s")
    print(f"{'trace':<12}{'window':>9}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}{'cand.':>9}{'signif.':>9}")
    for t in res["summary"]["traces"]:
        print(f"{t['trace']:<12}{t['window_s']:>9.0f}{t['seconds']:>9.1f}{t['cpu_seconds']:>9.1f}"
              f"{t['peak_rss_mb']:>10.0f}{t['candidates']:>9}{t['significant']:>9}")
    print(f"detect total: wall {res['detect_wall_s']:.1f} s, cpu {res['detect_cpu_s']:.1f} s, "
          f"peak {res['detect_peak_rss_mb']:.0f} MiB; steps {res['summary']['step_seconds']}")
    if res["alone_s"]:
        print("alone (best of 3): " + ", ".join(f"{k} {v:.2f} s" for k, v in res["alone_s"].items()))
    print(f"quality: precision {ev['precision']:.3f} recall {ev['recall']:.3f} F1 {ev['f1']:.3f} "
          f"organic flagged {ev['organic_flagged_share']:.4%}")
    for style, r in (ev.get("recall_per_style") or {}).items():
        print(f"  recall {style:<18}{r:.3f}")
    for group, g in (ev.get("negative_groups") or {}).items():
        print(f"  flagged {group:<18}{g['share_flagged']:.4%} of {g['accounts']}")
    if not peer.get("installed"):
        print(f"peer: {peer.get('note', 'skipped')}", flush=True)
        return
    print(f"peer coordination-network-toolkit: preprocess {peer['preprocess_s']:.1f} s")
    for theirs, n in peer["networks"].items():
        print(f"  {theirs:<18}{n['seconds']:>8.1f} s  precision {n['precision']:.3f} recall {n['recall']:.3f} "
              f"organic flagged {n['organic_flagged_share']:.4%}")
    u = peer["union"]
    print(f"  union: precision {u['precision']:.3f} recall {u['recall']:.3f} F1 {u['f1']:.3f}; "
          f"Lockstep: precision {ev['precision']:.3f} recall {ev['recall']:.3f} F1 {ev['f1']:.3f}")
    for k, v in ratios.items():
        print(f"  time ratio {k}: {v:.1f}x {'(>= 10x: ok)' if v >= 10 else '(below 10x)'}")


if __name__ == "__main__":
    main()
