"""Did a change to `lockstep detect` change its results? Compare two stores that ran `detect` on
the same posts (e.g. one with the code before a speed-up, one after).

    python bench/detect_parity.py before.duckdb after.duckdb --dataset bench --truth synth/truth.csv

Prints, as `lockstep.testing.parity` states them, the Jaccard index of the significant edges per
trace, the adjusted Rand index of the account partitions into networks and the benchmark F1 of
each store; then whether the stored results are identical row for row: edges (with their
p- and q-values, counts and evidence), networks (size, score, why), members, evidence rows and
account scores. Exits 1 when anything differs, so a speed-up that is meant to change nothing
can be checked in one line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from lockstep.store import Store
from lockstep.testing.parity import parity

#: table -> (columns compared, sort key). Ids that a run draws anew (run ids, durable network
#: ids' timestamps) are left out; network ids are compared, they are numbered by score.
TABLES: dict[str, tuple[str, str]] = {
    "edges": ("trace, platform_a, account_a, platform_b, account_b, weight, count, expected, p_value, q_value, "
              "window_s, evidence_ids, evidence_items", "1, 2, 3, 4, 5"),
    "networks": ("network_id, size, score, coordination_score, traces, edge_count, density, first_activity, "
                 "last_activity, why", "1"),
    "members": ("network_id, platform, account_id, score, subcluster, degree", "1, 2, 3"),
    "evidence": ("network_id, trace, item, platform, account_id, post_id, time", "1, 2, 3, 4, 5, 6, 7"),
    "set_aside": ("group_id, platform, account_id, reason, traces, edge_count", "1, 2, 3"),
    "account_scores": ("platform, account_id, score, evidence, partners, best_trace, network_id, set_aside, "
                       "signal_score", "1, 2"),
}


def _same(a: Any, b: Any, rel: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def compare_tables(a: Store, b: Store, dataset: str, rel: float) -> dict[str, dict[str, Any]]:
    """Per table: rows in each store and the rows that differ (floats within ``rel``)."""
    out = {}
    for table, (cols, order) in TABLES.items():
        if not (a.has_table(table) and b.has_table(table)):
            continue
        q = f"SELECT {cols} FROM {table} WHERE dataset = ? ORDER BY {order}"
        ra, rb = a.rows(q, [dataset]), b.rows(q, [dataset])
        differ = sum(1 for x, y in zip(ra, rb, strict=False) if not _same(tuple(x), tuple(y), rel))
        differ += abs(len(ra) - len(rb))
        first = next((i for i, (x, y) in enumerate(zip(ra, rb, strict=False)) if not _same(tuple(x), tuple(y), rel)),
                     None)
        out[table] = {"rows": (len(ra), len(rb)), "differ": differ,
                      "first_difference": None if first is None else (str(ra[first])[:300], str(rb[first])[:300])}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--dataset", default="bench")
    ap.add_argument("--truth", type=Path, default=None, help="truth.csv of `lockstep synth` (adds the F1s).")
    ap.add_argument("--rel", type=float, default=1e-9,
                    help="Relative tolerance for floats (summation order may move the last bits).")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with Store(args.before, read_only=True) as a, Store(args.after, read_only=True) as b:
        par = parity(a, b, args.dataset, args.truth).as_dict()
        tables = compare_tables(a, b, args.dataset, args.rel)
    ok = (all(v == 1.0 for v in par["jaccard"].values()) and par["adjusted_rand"] == 1.0
          and all(t["differ"] == 0 for t in tables.values()))
    if args.json:
        print(json.dumps({"identical": ok, "parity": par, "tables": tables}, indent=2, default=str))
    else:
        print("jaccard per trace: " + ", ".join(f"{k} {v:.3f}" for k, v in par["jaccard"].items()))
        print(f"adjusted Rand {par['adjusted_rand']:.4f}; networks {par['networks'][0]} vs {par['networks'][1]}")
        if par["f1"] is not None:
            print(f"F1 before {par['f1'][0]:.4f}, after {par['f1'][1]:.4f}")
        for name, t in tables.items():
            line = f"{name:<15} rows {t['rows'][0]:>7} vs {t['rows'][1]:>7}  differing {t['differ']}"
            if t["first_difference"]:
                line += f"\n    first: {t['first_difference'][0]}\n       vs: {t['first_difference'][1]}"
            print(line)
        print("identical" if ok else "DIFFERENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
