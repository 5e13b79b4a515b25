"""Evidence before verdicts: the posts behind each network, and a sentence a person can check.

Every significant edge carries the posts that support it (``evidence_ids``, with the shared item of
each). For a network those become ``evidence`` rows - which item, which account, which post, on
which platform, when - and a "why flagged" sentence per trace such as:

    14 accounts posted the same texts (9 distinct) within 1 h of each other, 212 times in all;
    chance expectation 0.3 (q < 1e-06).

"times in all" is the sum over the network's pairs of their co-shared items; "chance expectation"
is the null model's expectation of that sum (see ``docs/detection.md``).
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep import registry
from lockstep.engine.base import Engine
from lockstep.traces.base import format_window

#: The most evidence rows kept per network and trace (the rarest items come first per edge).
MAX_EVIDENCE_ROWS = 2000


def evidence_rows(engine: Engine, posts: str, internal: pa.Table) -> pa.Table:
    """``internal``: edges inside networks with a ``network_id`` column. Returns rows of
    ``network_id, trace, item, platform, account_id, post_id, time``."""
    if internal.num_rows == 0:
        return pa.table({"network_id": pa.array([], pa.int32()), "trace": pa.array([], pa.string()),
                         "item": pa.array([], pa.string()), "platform": pa.array([], pa.string()),
                         "account_id": pa.array([], pa.string()), "post_id": pa.array([], pa.string()),
                         "time": pa.array([], pa.timestamp("us"))})
    parent = pc.list_parent_indices(internal.column("evidence_ids"))
    ids = pc.list_flatten(internal.column("evidence_ids"))
    items = pc.list_flatten(internal.column("evidence_items"))
    flat = pa.table({
        "network_id": pc.take(internal.column("network_id"), parent),
        "trace": pc.take(internal.column("trace"), parent),
        "item": items,
        "eid": ids,
    })
    df = flat.to_pandas().drop_duplicates(["network_id", "trace", "eid"])
    split = df["eid"].str.split("/", n=1, expand=True)
    df["platform"], df["post_id"] = split[0], split[1]
    df = df.sort_values(["network_id", "trace", "item", "eid"], kind="stable")
    df = df.groupby(["network_id", "trace"], sort=False).head(MAX_EVIDENCE_ROWS)
    engine.write("_ls_evidence", pa.Table.from_pandas(df.drop(columns=["eid"]), preserve_index=False))
    out = engine.sql(
        "SELECT e.network_id, e.trace, e.item, e.platform, p.account_id, e.post_id, p.time "
        f"FROM _ls_evidence e JOIN {posts} p ON p.platform = e.platform AND p.post_id = e.post_id "
        "ORDER BY e.network_id, e.trace, p.time, e.platform, e.post_id"
    )
    engine.drop("_ls_evidence")
    return out.set_column(0, "network_id", pc.cast(out.column("network_id"), pa.int32()))


def why_flagged(layers: pd.DataFrame, evidence: pd.DataFrame) -> str:
    """One sentence per trace (strongest first), joined: what the accounts did, how often, and
    how often chance would have it. ``layers``: the network's (pair, trace) rows."""
    parts = []
    stats = (layers.groupby("trace")
             .agg(count=("count", "sum"), expected=("expected", "sum"), q=("q_value", "max"),
                  window=("window_s", lambda w: float(w.mode().iloc[0])))
             .sort_values("count", ascending=False))
    for trace, row in stats.iterrows():
        inside = layers[layers["trace"] == trace]
        accounts = len(set(inside["a"]) | set(inside["b"]))
        items = evidence.loc[evidence["trace"] == trace, "item"].nunique() if len(evidence) else 0
        try:
            det = registry.get("lockstep.detectors", str(trace))
            action, noun = det.action, getattr(det, "item_noun", "items")
        except Exception:
            action, noun = f"acted together ({trace})", "items"
        parts.append(
            f"{accounts} accounts {action} ({items} distinct {noun} shown) within "
            f"{format_window(float(row['window']))} of each other, {int(row['count'])} times in all; "
            f"chance expectation {row['expected']:.2g} (q <= {_bound(float(row['q']))})"
        )
    return "; ".join(parts[:3]) + ("." if parts else "")


def _bound(q: float) -> str:
    """The next power of ten at or above ``q``: a round figure that is still true."""
    if q <= 0:
        return "1e-300"
    exp = math.ceil(math.log10(q))
    return "1" if exp >= 0 else f"1e{exp:03d}"
