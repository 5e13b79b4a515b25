"""Per-network aggregation of account signals, the network's operator clock, and its summary.

Why pool a network's posts for the clock: single accounts of an operation often post too little
for a fit, but the people behind them keep one office's hours, so their pooled activity shows it.
The offset is reported only when the pooled fit reaches ``NETWORK_MIN_CONFIDENCE`` over at least
``NETWORK_MIN_POSTS`` posts; otherwise ``utc_offset_hours`` is null (``None``).

``signal_score`` (0..1) is the weighted share of members flagged per signal, with the weights of
``SIGNAL_WEIGHTS`` (signals that are rare among real people weigh more); for ``operator_clock``
the network's own pooled fit counts too (its confidence, when weekends are quiet).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from lockstep.signals.attribution import attribution_hint, regions_for
from lockstep.signals.clock import ClockFit, fit_working_day, week_histogram
from lockstep.signals.handle_pattern import handle_shape
from lockstep.store import Store

#: Reported offsets need this confidence (sharpness × fit, see lockstep.signals.clock) ...
NETWORK_MIN_CONFIDENCE = 0.5
#: ... over at least this many pooled posts.
NETWORK_MIN_POSTS = 100
#: A network's pooled clock counts as an operator clock only with weekends this quiet.
NETWORK_MAX_WEEKEND_RATIO = 0.3

#: Weight of each signal in a network's (and an account's) signal score.
SIGNAL_WEIGHTS: dict[str, float] = {
    "creation_burst": 1.0,
    "reused_identity": 1.0,
    "sleeper": 0.75,
    "operator_clock": 0.75,
    "language_location": 0.75,
    "handle_pattern": 0.5,
    # Automation, not deception: legitimate schedulers share it, so it weighs least.
    "cadence": 0.25,
}


def _members(store: Store, dataset: str, network_id: int | None = None) -> pd.DataFrame:
    q = "SELECT network_id, platform, account_id FROM members WHERE dataset = ?"
    params: list[Any] = [dataset]
    if network_id is not None:
        q += " AND network_id = ?"
        params.append(network_id)
    return store.con.execute(q, params).df()


def _member_posts(store: Store, dataset: str, columns: str, network_id: int | None = None) -> pd.DataFrame:
    q = (f"SELECT m.network_id, {columns} FROM posts p JOIN members m ON p.dataset = m.dataset "
         "AND p.platform = m.platform AND p.account_id = m.account_id WHERE p.dataset = ?")
    params: list[Any] = [dataset]
    if network_id is not None:
        q += " AND m.network_id = ?"
        params.append(network_id)
    return store.con.execute(q, params).df()


def network_clock(times: pd.Series) -> tuple[ClockFit | None, float | None, float | None]:
    """(fit, reported offset or None, confidence or None) for a network's pooled post times."""
    fit = fit_working_day(week_histogram(times))
    if fit is None:
        return None, None, None
    strong = fit.posts >= NETWORK_MIN_POSTS and fit.confidence >= NETWORK_MIN_CONFIDENCE
    return fit, (fit.utc_offset_hours if strong else None), fit.confidence


def flagged_shares(store: Store, dataset: str, network_id: int | None = None) -> pd.DataFrame:
    """network_id, signal, share of the network's members flagged by that signal."""
    q = ("SELECT m.network_id, s.signal, count(*) FILTER (WHERE s.flagged) AS flagged "
         "FROM members m JOIN account_signals s ON s.dataset = m.dataset AND s.platform = m.platform "
         "AND s.account_id = m.account_id WHERE m.dataset = ?")
    params: list[Any] = [dataset]
    if network_id is not None:
        q += " AND m.network_id = ?"
        params.append(network_id)
    df = store.con.execute(q + " GROUP BY 1, 2", params).df()
    sizes = _members(store, dataset, network_id).groupby("network_id").size().rename("size")
    df = df.merge(sizes.reset_index(), on="network_id")
    df["share"] = df["flagged"] / df["size"]
    return df


def signal_score(shares: dict[str, float], clock: ClockFit | None) -> float:
    """Weighted share of members flagged, 0..1 (see module docstring)."""
    s = dict(shares)
    if clock is not None and clock.posts >= NETWORK_MIN_POSTS and clock.weekend_ratio <= NETWORK_MAX_WEEKEND_RATIO:
        s["operator_clock"] = max(s.get("operator_clock", 0.0), clock.confidence)
    total = sum(SIGNAL_WEIGHTS.values())
    return float(sum(w * s.get(k, 0.0) for k, w in SIGNAL_WEIGHTS.items()) / total)


def aggregate_networks(store: Store, dataset: str) -> pd.DataFrame:
    """One row per network: utc_offset_hours, utc_offset_confidence, signal_score, attribution_hint."""
    times = _member_posts(store, dataset, "p.time")
    shares = flagged_shares(store, dataset)
    rows = []
    for nid in sorted(_members(store, dataset)["network_id"].unique()):
        fit, offset, conf = network_clock(times.loc[times["network_id"] == nid, "time"])
        sh = shares[shares["network_id"] == nid].set_index("signal")["share"].to_dict()
        rows.append({
            "network_id": int(nid), "utc_offset_hours": offset, "utc_offset_confidence": conf,
            "signal_score": signal_score(sh, fit),
            "attribution_hint": attribution_hint(fit, min_confidence=NETWORK_MIN_CONFIDENCE,
                                                 min_posts=NETWORK_MIN_POSTS),
        })
    return pd.DataFrame(rows, columns=["network_id", "utc_offset_hours", "utc_offset_confidence",
                                       "signal_score", "attribution_hint"])


def _top(series: pd.Series, k: int = 5) -> list[dict[str, Any]]:
    vc = series.dropna().value_counts()
    n = int(vc.sum())
    return [{"value": str(v), "count": int(c), "share": round(c / n, 3)} for v, c in vc.head(k).items()]


def network_signal_summary(store: Store, dataset: str, network_id: int) -> dict[str, Any]:
    """Everything ``lockstep network ID`` shows about a network's signals and hints, as a dict."""
    members = _members(store, dataset, network_id)
    if members.empty:
        return {"network_id": network_id, "members": 0, "signals": {}}
    posts = _member_posts(store, dataset, "p.time, p.language, p.client", network_id)
    fit, offset, conf = network_clock(posts["time"])
    shares = flagged_shares(store, dataset, network_id).set_index("signal")["share"].to_dict()
    sig = store.con.execute(
        "SELECT s.signal, s.account_id, s.sentence, s.percentile FROM account_signals s JOIN members m "
        "ON s.dataset = m.dataset AND s.platform = m.platform AND s.account_id = m.account_id "
        "WHERE m.dataset = ? AND m.network_id = ? AND s.flagged ORDER BY s.signal, s.percentile DESC",
        [dataset, network_id]).df()
    signals = {
        name: {"share_flagged": round(float(shares.get(name, 0.0)), 3), "weight": w,
               "examples": [{"account_id": r.account_id, "sentence": r.sentence}
                            for r in sig[sig["signal"] == name].head(3).itertuples()]}
        for name, w in SIGNAL_WEIGHTS.items()
    }
    acc = store.con.execute(
        "SELECT a.created_at, a.handle FROM accounts a JOIN members m ON a.dataset = m.dataset AND "
        "a.platform = m.platform AND a.account_id = m.account_id WHERE m.dataset = ? AND m.network_id = ?",
        [dataset, network_id]).df()
    created = pd.to_datetime(acc["created_at"]).dropna()
    hist = created.dt.strftime("%Y-%m").value_counts().sort_index()
    shapes = acc["handle"].dropna().astype(str).map(handle_shape)
    activity = week_histogram(posts["time"]).reshape(7, 24, 2).sum(axis=2)
    standard, summer = regions_for(offset) if offset is not None else ([], [])
    return {
        "network_id": network_id,
        "members": len(members),
        "utc_offset_hours": offset,
        "utc_offset_confidence": None if conf is None else round(conf, 3),
        "clock": None if fit is None else fit.as_dict(),
        "offset_thresholds": {"min_confidence": NETWORK_MIN_CONFIDENCE, "min_posts": NETWORK_MIN_POSTS},
        "attribution_hint": attribution_hint(fit, min_confidence=NETWORK_MIN_CONFIDENCE,
                                             min_posts=NETWORK_MIN_POSTS),
        "consistent_regions": standard, "consistent_regions_summer_time": summer,
        "signal_score": round(signal_score(shares, fit), 3),
        "signals": signals,
        "languages": _top(posts["language"]),
        "clients": _top(posts["client"]),
        "creation_histogram": [{"month": m, "accounts": int(c)} for m, c in hist.items()],
        "handle_templates": _top(shapes, 3),
        "activity_utc_weekday_hour": np.asarray(activity, dtype=int).tolist(),
    }


def to_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, default=str)
