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


def why_flagged(layers: pd.DataFrame, evidence: pd.DataFrame, usage: dict[str, tuple[int, int, int]] | None = None
                ) -> str:
    """One sentence per trace (strongest first), joined: what the accounts did, how often, and
    how often chance would have it. ``layers``: the network's (pair, trace) rows; ``usage``:
    per time-free trace, how many *other* accounts use at least ``m`` of the shown items, out of
    how many, and ``m`` (:func:`outside_usage`)."""
    parts = []
    stats = layers.groupby("trace").agg(count=("count", "sum"), expected=("expected", "sum"), q=("q_value", "max"))
    stats["window"] = _modal_window(layers)
    stats = stats.sort_values("count", ascending=False)
    for trace, row in stats.iterrows():
        inside = layers[layers["trace"] == trace]
        accounts = len(set(inside["a"]) | set(inside["b"]))
        shown = evidence.loc[evidence["trace"] == trace, "item"] if len(evidence) else pd.Series([], dtype=object)
        items = shown.nunique()
        try:
            det = registry.get("lockstep.detectors", str(trace))
            action, noun = det.action, getattr(det, "item_noun", "items")
            time_free = bool(getattr(det, "time_free", False))
        except Exception:
            action, noun, time_free = f"acted together ({trace})", "items", False
        chance = (f"chance expectation {row['expected']:.2g} (q <= {_bound(float(row['q']))})")
        describe = getattr(det, "describe", None) if time_free else None
        if describe is not None:
            # A trace that phrases its own evidence (co_template: the shared template and its rarity).
            trace_ev = evidence[evidence["trace"] == trace] if len(evidence) else evidence
            parts.append(describe(accounts=accounts, evidence=trace_ev, count=int(row["count"]),
                                  expected=float(row["expected"]), q_bound=_bound(float(row["q"]))))
            continue
        if time_free:
            parts.append(_time_free_sentence(accounts, action, noun, shown, row, chance,
                                             (usage or {}).get(str(trace))))
            continue
        parts.append(
            f"{accounts} accounts {action} ({items} distinct {noun} shown) within "
            f"{format_window(float(row['window']))} of each other, {int(row['count'])} times in all; " + chance
        )
    return "; ".join(parts[:3]) + ("." if parts else "")


def _modal_window(layers: pd.DataFrame) -> pd.Series:
    """Per trace, its most common ``window_s`` (ties: the smallest), as ``Series.mode`` gives it,
    without a Python call per group (a second of CPU over a 1M-post run's networks)."""
    n = layers.groupby(["trace", "window_s"]).size().reset_index(name="n")
    n = n.sort_values(["trace", "n", "window_s"], ascending=[True, False, True], kind="stable")
    return n.drop_duplicates("trace").set_index("trace")["window_s"].astype(float)


def _time_free_sentence(accounts: int, action: str, noun: str, shown: pd.Series, row: pd.Series, chance: str,
                        usage: tuple[int, int, int] | None) -> str:
    """"9 accounts use the same 6 hashtags (#crime, #sports, ...), which 0.01% of the other
    accounts use (2 or more of them: 4 of 40,120) over 30 days, 40 times in all; chance expectation ..."."""
    by_use = shown.value_counts()
    names = sorted(by_use.index[: 5].astype(str).tolist())
    listed = ", ".join(names) + (", ..." if len(by_use) > len(names) else "")
    text = f"{accounts} accounts {action} ({len(by_use)} {noun} shown: {listed})"
    if usage is not None:
        using, others, m = usage
        share = 100.0 * using / others if others else 0.0
        text += (f", which {share:.2g}% of the other accounts use ({m} or more of them: {using} of {others:,})")
    days = float(row["window"]) / 86400.0
    text += f" over {days:.0f} days" if days >= 1 else ""
    return text + f", {int(row['count'])} times in all; " + chance


def outside_usage(engine: Engine, posts: str, evidence: pd.DataFrame, members: dict[int, list[tuple[str, str]]]
                  ) -> dict[int, dict[str, tuple[int, int, int]]]:
    """For each network and time-free trace: how many accounts *outside* the network use at least
    ``m`` of the items its evidence shows (``m`` = 2, or 1 where one item is shown), and how many
    accounts use any item of that trace at all. One pass over each trace's items."""
    out: dict[int, dict[str, tuple[int, int, int]]] = {}
    if not len(evidence):
        return out
    for trace in sorted(evidence["trace"].unique()):
        try:
            det = registry.get("lockstep.detectors", str(trace))
        except Exception:
            continue
        if not getattr(det, "time_free", False) or hasattr(det, "describe"):
            continue  # a trace with its own sentence (co_template) says how rare its items are itself
        shown = evidence.loc[evidence["trace"] == trace, ["network_id", "item"]].drop_duplicates()
        engine.write("_ls_usage_want", pa.Table.from_pandas(shown, preserve_index=False))
        items = det().items_sql(engine, posts)
        rows = engine.sql(
            f"SELECT w.network_id AS network_id, i.platform AS platform, i.account_id AS account_id, "
            f"COUNT(DISTINCT i.label) AS n FROM ({items}) i JOIN _ls_usage_want w ON i.label = w.item "
            "GROUP BY w.network_id, i.platform, i.account_id"
        ).to_pandas()
        total = int(engine.sql(f"SELECT COUNT(*) AS n FROM (SELECT DISTINCT platform, account_id FROM ({items}) i) a")
                    .column("n")[0].as_py())
        engine.drop("_ls_usage_want")
        n_shown = shown.groupby("network_id")["item"].nunique()
        for nid, grp in rows.groupby("network_id"):
            inside = set(members.get(int(nid), []))
            m = 2 if int(n_shown.get(nid, 0)) >= 2 else 1
            outside = [(p, a) for p, a, n in zip(grp["platform"], grp["account_id"], grp["n"], strict=True)
                       if n >= m and (p, a) not in inside]
            out.setdefault(int(nid), {})[str(trace)] = (len(outside), max(total - len(inside), 0), m)
    return out


def _bound(q: float) -> str:
    """The next power of ten at or above ``q``: a round figure that is still true."""
    if q <= 0:
        return "1e-300"
    exp = math.ceil(math.log10(q))
    return "1" if exp >= 0 else f"1e{exp:03d}"
