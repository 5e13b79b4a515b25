"""Real operations in a synthetic crowd: recall per IRA persona over several week slices.

For each week of the IRA 2016 H2 file (default weeks 2, 9, 16 and 23, spread over the half year, so
no single tuned week decides), this runs ``lockstep synth --embed`` (a 300k-post crowd with that
week's real timelines placed in it), ``ingest``, ``detect`` and ``evaluate``, then prints recall per
persona among the real accounts with at least 10 posts in the week, overall recall of those active
accounts, precision, the organic false-positive rate, and the targets of issue 13 with pass/fail:

* recall of active real accounts >= 0.80,
* recall >= 0.60 for every persona with at least 5 active accounts,
* precision >= 0.95 and organic accounts flagged <= 0.5%.

    python bench/real_ops.py                                   # weeks 2 9 16 23, 300k posts
    python bench/real_ops.py --weeks 5 --posts 100000 --traces co_link,co_hashtag
    python bench/real_ops.py --data PATH                       # the shared data folder

The data folder is ``--data``, else ``LOCKSTEP_SHARED_DATA``, else ``../shared/data`` beside the
checkout. Writes ``bench/results/real_ops-<date>.json`` (git-ignored). Heavy: run one at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGETS = {"recall_active": 0.80, "recall_per_category": 0.60, "category_min_active": 5,
           "precision": 0.95, "organic_flagged_share": 0.005}


def _run(cmd: list[str], what: str) -> str:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    print(f"  {what}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return p.stdout


def write_result(name: str, result: dict[str, Any]) -> None:
    """Keep the figures of a run under bench/results/NAME-DATE.json (ignored by git)."""
    res_dir = HERE / "results"
    res_dir.mkdir(exist_ok=True)
    path = res_dir / f"{name}-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}", file=sys.stderr)


def one_week(week: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    lockstep = [sys.executable, "-m", "lockstep"]
    folder = Path(args.data) / "ira_2016h2"
    out, db = work / f"week{week}", work / f"week{week}.duckdb"
    shutil.rmtree(out, ignore_errors=True)
    db.unlink(missing_ok=True)
    synth = [*lockstep, "synth", "--posts", str(args.posts), "--seed", str(args.seed), "--out", str(out),
             "--embed", str(folder / "ira_tweets_2016h2.csv.gz"), "--embed-labels", str(folder / "authors.csv"),
             "--embed-week", str(week), "--json"]
    if args.networks is not None:
        synth += ["--networks", str(args.networks)]
    embedded = json.loads(_run(synth, f"week {week} synth"))["embedded"]
    _run([*lockstep, "ingest", str(out / "posts.parquet"), str(out / "accounts.parquet"), "--db", str(db),
          "--dataset", "crowd", "--json"], f"week {week} ingest")
    detect = [*lockstep, "detect", "--db", str(db), "--dataset", "crowd", "--json"]
    if args.traces:
        detect += ["--traces", args.traces]
    if args.no_signals:
        detect.append("--no-signals")
    t0 = time.perf_counter()
    _run(detect, f"week {week} detect")
    detect_s = time.perf_counter() - t0
    res = json.loads(_run([*lockstep, "evaluate", "--truth", str(out / "truth.csv"), "--db", str(db),
                           "--dataset", "crowd", "--min-posts", str(args.min_posts), "--json"], f"week {week} evaluate"))
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
        db.unlink(missing_ok=True)
    e = res["embedded"]
    return {"week": week, "slice": embedded["slice"], "real_posts": embedded["posts"],
            "real_accounts": embedded["accounts"], "active": e["active_accounts"],
            "recall_active": e["recall_active"], "per_category": e["per_category"],
            "precision": res["precision"], "recall": res["recall"], "f1": res["f1"],
            "organic_flagged_share": res["organic_flagged_share"], "pr_auc": res["pr_auc"],
            "score_source": res["score_source"], "negative_groups": res["negative_groups"],
            "detect_s": round(detect_s, 1), "checks": checks(res)}


def checks(res: dict[str, Any]) -> dict[str, bool]:
    """The targets of issue 13 for one slice: name -> passed."""
    e = res["embedded"]
    out = {"recall_active >= 0.80": (e["recall_active"] or 0.0) >= TARGETS["recall_active"]}
    for st, v in e["per_category"].items():
        if v["active"] >= TARGETS["category_min_active"]:
            out[f"{st.removeprefix('ira_')} >= 0.60"] = v["recall"] >= TARGETS["recall_per_category"]
    out["precision >= 0.95"] = (res["precision"] or 0.0) >= TARGETS["precision"]
    out["organic FPR <= 0.5%"] = (res["organic_flagged_share"] or 0.0) <= TARGETS["organic_flagged_share"]
    return out


def report(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    cats = sorted({c for r in rows for c in r["per_category"]})
    t = Table(title="real IRA weeks in a synthetic crowd: recall of active accounts (>= 10 posts in the week)")
    for h in ("week", "from", "active", *[c.removeprefix("ira_") for c in cats], "recall", "precision",
              "organic FPR", "PR-AUC", "detect s", "targets"):
        t.add_column(h, no_wrap=True)
    for r in rows:
        pc = r["per_category"]
        failed = [k for k, ok in r["checks"].items() if not ok]
        t.add_row(str(r["week"]), r["slice"]["from"], str(r["active"]),
                  *[f"{pc[c]['recall']:.2f} ({pc[c]['active']})" if c in pc else "-" for c in cats],
                  f"{r['recall_active']:.3f}", f"{r['precision']:.3f}" if r["precision"] is not None else "n/a",
                  f"{100 * r['organic_flagged_share']:.2f}%",
                  f"{r['pr_auc']:.3f} ({r['score_source']})" if r["pr_auc"] is not None else "n/a",
                  f"{r['detect_s']:.0f}",
                  "PASS" if not failed else f"FAIL ({len(failed)})")
    Console(width=240).print(t)
    print("recall per persona: recall (active accounts); targets: recall >= 0.80, >= 0.60 per persona with >= 5 "
          "active accounts, precision >= 0.95, organic FPR <= 0.5%")
    for r in rows:
        failed = [k for k, ok in r["checks"].items() if not ok]
        if failed:
            print(f"week {r['week']} misses: {'; '.join(failed)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("LOCKSTEP_SHARED_DATA", str(REPO.parent / "shared" / "data")),
                    help="the shared data folder holding ira_2016h2/")
    ap.add_argument("--weeks", default="2,9,16,23", help="comma-separated week numbers of the file (1 = from 2016-07-01)")
    ap.add_argument("--posts", type=int, default=300_000, help="size of the synthetic crowd")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--networks", type=int, default=None, help="planted synthetic operations (default: synth's)")
    ap.add_argument("--traces", default=None, help="detect --traces (default: detect's own)")
    ap.add_argument("--no-signals", action="store_true", help="detect --no-signals")
    ap.add_argument("--min-posts", type=int, default=10, help="posts in the week that make a real account active")
    ap.add_argument("--work", type=Path, default=None, help="folder for data and stores (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep each week's data and store")
    args = ap.parse_args()
    try:
        weeks = [int(w) for w in args.weeks.split(",") if w.strip()]
    except ValueError:
        sys.exit(f"--weeks must be comma-separated week numbers such as 2,9,16,23. Got {args.weeks!r}.")
    if not (Path(args.data) / "ira_2016h2" / "ira_tweets_2016h2.csv.gz").is_file():
        sys.exit(f"not found: {Path(args.data) / 'ira_2016h2' / 'ira_tweets_2016h2.csv.gz'} (give --data)")
    work = args.work or Path(tempfile.mkdtemp(prefix="lockstep-realops-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for w in weeks:
            print(f"week {w} ...", file=sys.stderr, flush=True)
            rows.append(one_week(w, args, work))
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(rows)
    passed = all(ok for r in rows for ok in r["checks"].values())
    print(f"issue 13 targets on {len(rows)} week(s): {'PASS' if passed else 'FAIL'}")
    result = {"date": dt.datetime.now(dt.UTC).isoformat(), "posts": args.posts, "seed": args.seed,
              "traces": args.traces, "targets": TARGETS, "weeks": rows, "passed": passed}
    write_result("real_ops", result)


if __name__ == "__main__":
    main()
