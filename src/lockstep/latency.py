"""Time to detection: how long after a planted operation's first post ``lockstep follow`` alerted on it.

Measured in the time of the posts (simulated time when a benchmark is replayed in accelerated time):

* an operation's **start** is the first stored post of any of its accounts (truth ``network_id`` > 0);
* it is **detected** by the first alert (table ``alerts``, by ``data_time``, the newest post the
  detection had seen when it raised the alert) that names at least :data:`MIN_ACCOUNTS` of its accounts;
* **latency** = detection - start. The compute time of the detection itself is not in it: with
  ``--clock data`` the replay waits for each detection (``bench/follow.py`` prints that time apart).

Organic accounts **alerted on** are those (truth ``network_id`` 0) named by any alert, over all organic
accounts of the truth file: the live counterpart of ``evaluate``'s organic flagged share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lockstep.errors import SourceError, StoreError
from lockstep.evaluate import load_truth
from lockstep.store import Store

MIN_ACCOUNTS = 2


def latency(store: Store, truth_path: Path, dataset: str | None = None) -> dict[str, Any]:
    ds = store.resolve_dataset(dataset)
    truth, kind = load_truth(truth_path)
    if kind != "synthetic":
        raise SourceError(f"--latency needs planted operations: the truth.csv of 'lockstep synth' "
                          f"(platform,account_id,network_id,operation_style). '{truth_path}' is a label file.")
    if not store.has_table("alerts") or not store.scalar("SELECT count(*) FROM alerts WHERE dataset = ?", [ds]):
        raise StoreError(f"No alerts for dataset {ds!r}. Run 'lockstep follow' on it first (e.g. fed by "
                         "'lockstep replay').")
    truth["key"] = truth["platform"] + ":" + truth["account_id"]
    store.con.register("_lat_truth", truth[["platform", "account_id", "network_id"]])
    try:
        starts = dict(store.rows(
            "SELECT t.network_id, min(p.time) FROM posts p JOIN _lat_truth t ON p.platform = t.platform "
            "AND p.account_id = t.account_id WHERE p.dataset = ? AND t.network_id > 0 GROUP BY 1", [ds]))
    finally:
        store.con.unregister("_lat_truth")
    alerts = store.query("SELECT alert_id, rule, network_id, data_time, accounts FROM alerts WHERE dataset = ? "
                         "ORDER BY data_time, raised_at, alert_id", [ds]).to_pylist()
    op_of = dict(zip(truth["key"], truth["network_id"], strict=True))
    first: dict[int, dict[str, Any]] = {}
    alerted: set[str] = set()
    for a in alerts:
        accs = a["accounts"] or []
        alerted.update(accs)
        counts: dict[int, int] = {}
        for k in accs:
            op = op_of.get(k, 0)
            if op:
                counts[op] = counts.get(op, 0) + 1
        for op, n in counts.items():
            if n >= MIN_ACCOUNTS and op not in first:
                first[op] = a
    styles = truth[truth["network_id"] > 0].groupby("network_id")["style"].first().to_dict()
    sizes = truth[truth["network_id"] > 0].groupby("network_id").size().to_dict()
    ops = []
    for op in sorted(styles):
        start = starts.get(op)
        hit = first.get(op)
        hours = ((hit["data_time"] - start).total_seconds() / 3600
                 if hit is not None and start is not None and hit["data_time"] is not None else None)
        ops.append({"operation": int(op), "style": styles[op], "accounts": int(sizes[op]),
                    "first_post": start, "first_alert": hit["data_time"] if hit else None,
                    "latency_hours": None if hours is None else round(hours, 2),
                    "alert": hit["alert_id"] if hit else None, "rule": hit["rule"] if hit else None,
                    "network_id": hit["network_id"] if hit else None})
    found = [o["latency_hours"] for o in ops if o["latency_hours"] is not None]
    per_style: dict[str, dict[str, Any]] = {}
    for style, grp in pd.DataFrame(ops).groupby("style"):
        lat = [v for v in grp["latency_hours"] if v is not None and not pd.isna(v)]
        per_style[str(style)] = {"operations": len(grp), "detected": len(lat),
                                 "max_hours": round(max(lat), 2) if lat else None,
                                 "median_hours": round(float(np.median(lat)), 2) if lat else None}
    organic = set(truth.loc[truth["network_id"] == 0, "key"])
    return {
        "dataset": ds, "operations": len(ops), "detected": len(found),
        "median_hours": round(float(np.median(found)), 2) if found else None,
        "max_hours": round(max(found), 2) if found else None,
        "within_24h": sum(1 for v in found if v <= 24),
        "alerts": len(alerts),
        "organic_accounts": len(organic), "organic_alerted": len(organic & alerted),
        "organic_alerted_share": round(len(organic & alerted) / len(organic), 5) if organic else None,
        "per_style": per_style, "per_operation": ops,
    }
