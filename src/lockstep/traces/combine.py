"""Evidence pooled over traces: a pair that is weak in each of several traces may still be strong.

Why: an operation that rotates its actions (a link today, a copied text tomorrow, a hashtag the
day after) and spreads them over hours gives each member pair only a few shared items *per trace*:
three links, three texts, two hashtags. No single trace can then beat the false-discovery cut over
hundreds of millions of pairs, although together the pair shared eight things where chance expects
half of one. Each trace's count is a Poisson variable under its null model, so, with traces that
look at different things (their evidence independent under the null), a pair's summed count is
Poisson with the summed expectation; that is the pooled test.

Which traces pool: those whose class sets ``pool_evidence`` (the item traces). ``co_domain``
restates ``co_link``'s events and ``sync`` restates every trace's timing, so both stay out.

Selection: a trace reports a pair only where they share at least ``min_items`` items, and each
trace keeps the better of its two time scales. Both choices are made after looking at the data,
so the pooled p-value is multiplied by ``3 ** T`` (``T`` the pooling traces run): the number of
ways to choose, per trace, "left out", "fast scale" or "slow scale" - a Bonferroni bound over every
configuration the pooling could have picked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lockstep.traces.significance import poisson_sf

#: The layer name of pooled edges in the store and in explanations.
COMBINED = "combined"

_KEY = ["platform_a", "account_a", "platform_b", "account_b"]


def pooled_edges(tables: dict[str, pa.Table]) -> pa.Table | None:
    """One row per pair reported by at least two pooling traces, with the pooled count,
    expectation, p-value (corrected as the module says), summed weight and joined evidence.
    ``tables``: trace name -> its candidate edges with unfiltered p-values."""
    frames = [t.to_pandas().assign(trace=name) for name, t in tables.items() if t.num_rows]
    if not frames:
        return None
    df = pd.concat(frames, ignore_index=True)
    # Only pairs of two or more traces are pooled: drop the rest before the (Python-level) list joins.
    df = df[df.duplicated(_KEY, keep=False)]
    if df.empty:
        return None
    g = df.groupby(_KEY, sort=True).agg(
        weight=("weight", "sum"), count=("count", "sum"), expected=("expected", "sum"),
        n_traces=("trace", "size"), window_s=("window_s", "max"),
        evidence_ids=("evidence_ids", lambda s: [x for v in s for x in v]),
        evidence_items=("evidence_items", lambda s: [x for v in s for x in v]),
    ).reset_index()
    g = g[g["n_traces"] >= 2].reset_index(drop=True)
    if g.empty:
        return None
    lam = np.maximum(g["expected"].to_numpy(dtype=np.float64), 1e-300)
    x = g["count"].to_numpy(dtype=np.int64)
    p = poisson_sf(x - 1, lam) * 3.0 ** len(tables)
    g["p_value"] = np.minimum(p, 1.0)
    return pa.table({
        **{k: pa.array(g[k].to_numpy(), pa.string()) for k in _KEY},
        "weight": pa.array(g["weight"].to_numpy(dtype=np.float64)),
        "count": pa.array(x),
        "expected": pa.array(g["expected"].to_numpy(dtype=np.float64)),
        "p_value": pa.array(g["p_value"].to_numpy(dtype=np.float64)),
        "evidence_ids": pa.array(g["evidence_ids"].tolist(), pa.list_(pa.string())),
        "evidence_items": pa.array(g["evidence_items"].tolist(), pa.list_(pa.string())),
        "window_s": pa.array(g["window_s"].to_numpy(dtype=np.float64)),
    })
