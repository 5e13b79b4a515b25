"""What holds back the early detection of each planted operation: its best pair's shared items, p-value
and q-value at a few hours after the operation's first post, over `lockstep follow`'s window.

    python bench/follow_blockers.py                       # 50,000 posts a week, 3-day warm-up, 72 h window
    python bench/follow_blockers.py --hours 2,6,24,48 --min-items 1 --json

The benchmark is the one of bench/follow.py (`synth --quiet-days`: operations act after the warm-up).
For each operation and each horizon h, every default trace runs over the window ending h hours after the
operation's first post, with ``--min-items`` (1: every pair sharing anything is tested) and p-values
kept up to 1; Benjamini-Hochberg then runs over all traces' pairs with the pooled number of tests, as
detection does. Printed per operation and horizon: the most items one pair of its accounts shares, how
many pairs share at least 2 and 3, the best p and q of its pairs, its pairs with q <= --fdr, and the
organic pairs with q <= --fdr in the same window (what a lower minimum would cost).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lockstep.engine.factory import POSTS_VIEW, EngineChoice, open_engine
from lockstep.networks.detect import DetectOptions, make_detectors
from lockstep.sql import literal
from lockstep.store import Store
from lockstep.traces.base import META_TESTED
from lockstep.traces.significance import benjamini_hochberg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=50_000, help="posts over the followed --days")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--warmup-days", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window", type=float, default=72.0, help="hours")
    ap.add_argument("--hours", default="2,6,24,48")
    ap.add_argument("--min-items", type=int, default=1)
    ap.add_argument("--fdr", type=float, default=0.01)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lockstep-blockers-") as tmp:
        out, db = Path(tmp) / "synth", Path(tmp) / "b.duckdb"
        total = round(a.posts * (a.days + a.warmup_days) / a.days)
        lockstep = [sys.executable, "-m", "lockstep"]
        subprocess.run([*lockstep, "synth", "--posts", str(total), "--days", str(a.days + a.warmup_days),
                        "--quiet-days", str(a.warmup_days), "--seed", str(a.seed), "--out", str(out)],
                       check=True, capture_output=True)
        subprocess.run([*lockstep, "ingest", str(out / "posts.parquet"), "--db", str(db)], check=True,
                       capture_output=True)
        with (out / "truth.csv").open(newline="") as fh:
            truth = list(csv.DictReader(fh))
        op_of = {(r["platform"], r["account_id"]): int(r["network_id"]) for r in truth}
        style = {int(r["network_id"]): r["operation_style"] for r in truth if int(r["network_id"]) > 0}
        rows = []
        with Store(db) as store:
            first: dict[int, object] = {}
            for p, acc, t in store.rows("SELECT platform, account_id, min(time) FROM posts GROUP BY 1, 2"):
                op = op_of.get((p, acc), 0)
                if op and (op not in first or t < first[op]):
                    first[op] = t
            for op in sorted(first):
                for h in (float(x) for x in a.hours.split(",")):
                    until = first[op] + timedelta(hours=h)  # type: ignore[operator]
                    rows.append({"operation": op, "style": style[op], "hours": h,
                                 **_snapshot(store, until, a, op, op_of)})
                    if not a.json:
                        print(json.dumps(rows[-1], default=str), flush=True)
    if a.json:
        print(json.dumps(rows, indent=2, default=str))


def _snapshot(store: Store, until: object, a: argparse.Namespace, op: int,
              op_of: dict[tuple[str, str], int]) -> dict[str, object]:
    since = until - timedelta(hours=a.window)  # type: ignore[operator]
    with open_engine(EngineChoice(memory_limit="3GB"), store, "default") as eng:
        eng.execute(f"CREATE OR REPLACE TEMP VIEW {POSTS_VIEW} AS SELECT * FROM posts WHERE dataset = 'default' "
                    f"AND time >= CAST({literal(str(since))} AS TIMESTAMP) "
                    f"AND time <= CAST({literal(str(until))} AS TIMESTAMP)")
        tabs, tested = [], 0
        for det in make_detectors(DetectOptions(signals=False, min_items=a.min_items)):
            r = det.detect(eng, POSTS_VIEW, p_max=1.0)
            tested += int((r.schema.metadata or {}).get(META_TESTED, b"0"))
            df = r.select(["platform_a", "account_a", "platform_b", "account_b", "count", "p_value"]).to_pandas()
            tabs.append(df.assign(trace=det.name))
    e = pd.concat(tabs, ignore_index=True)
    e["q"] = benjamini_hochberg(e["p_value"].to_numpy(), tested)
    oa = np.array([op_of.get(k, 0) for k in zip(e["platform_a"], e["account_a"], strict=True)], dtype=np.int64)
    ob = np.array([op_of.get(k, 0) for k in zip(e["platform_b"], e["account_b"], strict=True)], dtype=np.int64)
    mine, organic = e[(oa == op) & (ob == op)], e[(oa == 0) & (ob == 0)]
    best = mine.sort_values("q").iloc[0] if len(mine) else None
    return {"pairs": len(mine), "max_items": int(mine["count"].max()) if len(mine) else 0,
            "pairs_2_items": int((mine["count"] >= 2).sum()), "pairs_3_items": int((mine["count"] >= 3).sum()),
            "best_p": None if best is None else float(mine["p_value"].min()),
            "best_q": None if best is None else float(best["q"]),
            "best_trace": None if best is None else best["trace"],
            "pairs_significant": int((mine["q"] <= a.fdr).sum()),
            "organic_pairs_significant": int((organic["q"] <= a.fdr).sum()), "tested": tested}


if __name__ == "__main__":
    main()
