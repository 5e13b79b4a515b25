"""``operator_clock``: an account whose activity looks like an office job in some time zone.

Fits the working-day model of :mod:`lockstep.signals.clock` to each account with at least
``min_posts`` posts. ``value`` is the fit (share of activity a 09:00–18:00 Mon–Fri day explains);
the offset, confidence and weekend ratio go into the sentence and the row's ``extra`` JSON.

Flagged only when all three hold: confidence ≥ ``min_confidence``, local weekends at most
``max_weekend_ratio`` as busy as weekdays, and at least ``min_posts`` posts. A night-shift nurse
(odd hours, irregular days, weekends on) fails the weekend test and the fit; a person posting
through the day and evening fits poorly. The offset is a hint about *where* the work is done,
never proof of who does it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from lockstep.signals.base import check_param, empty_result, load_posts
from lockstep.signals.clock import BINS, describe, fit_many, week_bins
from lockstep.store import Store


class OperatorClock:
    """Activity that fits a 9-to-6, weekends-off working day at some UTC offset."""

    name = "operator_clock"
    higher_is_unusual = True

    def __init__(self, *, min_posts: int = 30, min_confidence: float = 0.6,
                 max_weekend_ratio: float = 0.3) -> None:
        self.min_posts = min_posts
        self.min_confidence = min_confidence
        self.max_weekend_ratio = max_weekend_ratio

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("OperatorClock", "min_posts", self.min_posts, 5, 10**6)
        check_param("OperatorClock", "min_confidence", self.min_confidence, 0, 1)
        check_param("OperatorClock", "max_weekend_ratio", self.max_weekend_ratio, 0, 10)
        posts = load_posts(store, dataset, ["time"])
        if posts.empty:
            return empty_result()
        keys = posts.groupby(["platform", "account_id"], sort=False).ngroup().to_numpy()
        sizes = np.bincount(keys)
        keep = sizes >= self.min_posts
        if not keep.any():
            return empty_result()
        hist = np.bincount(keys * BINS + week_bins(posts["time"]), minlength=len(sizes) * BINS)
        hist = hist.reshape(len(sizes), BINS)[keep]
        ids = posts[["platform", "account_id"]].assign(k=keys).drop_duplicates("k").sort_values("k")
        ids = ids[keep[ids["k"].to_numpy()]]
        rows = []
        for (plat, acc), fit in zip(ids[["platform", "account_id"]].itertuples(index=False),
                                    fit_many(hist), strict=True):
            if fit is None:
                continue
            flagged = (fit.confidence >= self.min_confidence
                       and fit.weekend_ratio <= self.max_weekend_ratio)
            rows.append((plat, acc, fit.fit, flagged, describe(fit), json.dumps(fit.as_dict())))
        if not rows:
            return empty_result()
        return pd.DataFrame(rows, columns=["platform", "account_id", "value", "flagged", "detail", "extra"])
