"""When a network's topic mix changes: a pivot, with what it moved from and to, when, and which
posts show it.

For every boundary between two windows of a network's posts, the ``span`` windows before are
pooled and compared with the ``span`` windows after: Jensen-Shannon divergence (effect size) and
a chi-square test of homogeneity (is the change more than sampling noise?). P-values over all
boundaries of all networks are adjusted together (Benjamini-Hochberg), so testing many windows
does not manufacture pivots; a boundary must pass both ``alpha`` and ``min_jsd``. Of neighbouring
significant boundaries only the strongest is kept (the change point).

The boundary says only "between these windows"; the reported ``time`` is the change point inside
them (:mod:`.changepoint`: the maximum-likelihood split of the network's topic sequence around the
boundary, to the hour, with a bootstrap 90% interval). The default window adapts to the data: a
tenth of its span, between 1 and 7 days (:func:`auto_window`).

Limits: posts are treated as independent draws, which bursts of copy-paste violate; the
``min_jsd`` effect-size floor is what keeps such bursts from flagging a network on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lockstep.errors import ConfigError, StoreError
from lockstep.narratives.changepoint import change_point
from lockstep.narratives.stats import bh, homogeneity_p, jsd
from lockstep.narratives.windows import check_window, iso, origin, window_index, window_start
from lockstep.store import Store


def auto_window(span_days: float) -> float:
    """Window length (days) for data spanning ``span_days``: about ten windows, 1 to 7 days each."""
    return float(min(7.0, max(1.0, round(span_days / 10))))


@dataclass(frozen=True)
class PivotParams:
    #: None: :func:`auto_window` of the dataset's span
    window_days: float | None = None
    span: int = 2
    alpha: float = 0.01
    min_jsd: float = 0.15
    min_posts: int = 20
    evidence: int = 10

    def validate(self) -> None:
        if self.window_days is not None:
            check_window(self.window_days)
        if self.span < 1 or not 0 < self.alpha < 1 or not 0 <= self.min_jsd <= 1 or self.min_posts < 1:
            raise ConfigError("Pivot parameters out of range: span >= 1, 0 < alpha < 1, 0 <= min_jsd <= 1, "
                              f"min_posts >= 1. Got {self}.")


def _labels(store: Store, dataset: str) -> dict[int, str]:
    return dict(store.rows("SELECT topic_id, label FROM topics WHERE dataset = ?", [dataset]))


def find_pivots(store: Store, dataset: str, params: PivotParams | None = None) -> list[dict[str, Any]]:
    params = params or PivotParams()
    params.validate()
    if params.window_days is None:
        first, last = store.rows("SELECT min(time), max(time) FROM posts WHERE dataset = ?", [dataset])[0]
        span = (last - first).total_seconds() / 86400 if first is not None else 7.0
        params = replace(params, window_days=auto_window(span))
    assert params.window_days is not None
    if not store.has_table("post_topics") or not store.scalar(
            "SELECT count(*) FROM post_topics WHERE dataset = ?", [dataset]):
        raise StoreError(f"No topics for dataset {dataset!r} yet. Run 'lockstep narratives' first.")
    start = origin(store, dataset)
    data = store.query(
        "SELECT m.network_id, pt.topic_id, pt.time, pt.post_id FROM post_topics pt JOIN members m "
        "ON m.dataset = pt.dataset AND m.platform = pt.platform AND m.account_id = pt.account_id "
        "WHERE pt.dataset = ? AND pt.topic_id >= 0 ORDER BY m.network_id, pt.time, pt.post_id", [dataset])
    if not data.num_rows:
        return []
    nets = data.column("network_id").to_numpy()
    topics = data.column("topic_id").to_numpy()
    times = data.column("time").to_numpy()
    win = window_index(times, start, params.window_days)
    post_ids = np.asarray(data.column("post_id").to_pylist(), dtype=object)
    n_topics = int(topics.max()) + 1
    tests: list[dict[str, Any]] = []
    for nid in np.unique(nets):
        sel = nets == nid
        w, t = win[sel], topics[sel]
        counts = np.zeros((int(w.max()) + 1, n_topics))
        np.add.at(counts, (w, t), 1)
        for b in range(1, len(counts)):
            before = counts[max(0, b - params.span):b].sum(axis=0)
            after = counts[b:b + params.span].sum(axis=0)
            if before.sum() < params.min_posts or after.sum() < params.min_posts:
                continue
            tests.append({"network_id": int(nid), "b": b, "before": before, "after": after,
                          "jsd": jsd(before, after), "p": homogeneity_p(before, after),
                          "jsd_consecutive": jsd(counts[b - 1], counts[b])})
    for test, q in zip(tests, bh([x["p"] for x in tests]), strict=True):
        test["q"] = q
    labels = _labels(store, dataset)
    out: list[dict[str, Any]] = []
    for nid in sorted({x["network_id"] for x in tests}):
        cands = [x for x in tests if x["network_id"] == nid and x["q"] <= params.alpha
                 and x["jsd"] >= params.min_jsd]
        kept: list[dict[str, Any]] = []
        for x in sorted(cands, key=lambda x: (-x["jsd"], x["b"])):
            if all(abs(x["b"] - k["b"]) >= params.span for k in kept):
                kept.append(x)
        for x in sorted(kept, key=lambda x: x["b"]):
            sel = nets == nid
            out.append(_describe(x, labels, start, params, win[sel], topics[sel], post_ids[sel], times[sel]))
    return out


def _describe(x: dict[str, Any], labels: dict[int, str], start: Any, params: PivotParams,
              win: np.ndarray, topics: np.ndarray, post_ids: np.ndarray, times: np.ndarray) -> dict[str, Any]:
    before, after = x["before"] / x["before"].sum(), x["after"] / x["after"].sum()
    delta = after - before
    frm, to = int(np.argmin(delta)), int(np.argmax(delta))
    b = x["b"]
    to_posts = post_ids[(win >= b) & (win < b + params.span) & (topics == to)][:params.evidence]
    from_posts = post_ids[(win >= b - params.span) & (win < b) & (topics == frm)][-params.evidence:]
    assert params.window_days is not None
    boundary = window_start(start, b, params.window_days)
    around = (win >= b - params.span) & (win < b + params.span)
    cp = change_point(times[around], topics[around], seed=x["network_id"])
    when = cp.time if cp else boundary
    f_label, t_label = labels.get(frm, "?"), labels.get(to, "?")
    interval = (f" (90% interval {iso(cp.low)} to {iso(cp.high)}; the windows meet at {iso(boundary)})"
                if cp else "")
    return {
        "network_id": x["network_id"],
        "time": iso(when),
        "interval": [iso(cp.low), iso(cp.high)] if cp else None,
        "window_boundary": iso(boundary), "window_days": params.window_days,
        "from_topic": {"id": frm, "label": f_label, "share_before": round(float(before[frm]), 4),
                       "share_after": round(float(after[frm]), 4)},
        "to_topic": {"id": to, "label": t_label, "share_before": round(float(before[to]), 4),
                     "share_after": round(float(after[to]), 4)},
        "jsd": round(x["jsd"], 4), "jsd_consecutive": round(x["jsd_consecutive"], 4),
        "p_value": x["p"], "q_value": x["q"],
        "posts_before": int(x["before"].sum()), "posts_after": int(x["after"].sum()),
        "evidence_post_ids": [str(p) for p in to_posts],
        "from_post_ids": [str(p) for p in from_posts],
        "sentence": (
            f"Network {x['network_id']} moved from '{f_label}' ({before[frm]:.0%} of its posts in the "
            f"{params.span} window(s) before) to '{t_label}' ({after[to]:.0%} after) at about {iso(when)}"
            f"{interval}; "
            f"Jensen-Shannon divergence {x['jsd']:.2f}, chi-square p={x['p']:.1e} (BH q={x['q']:.1e})."),
    }
