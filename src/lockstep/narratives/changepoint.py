"""When exactly a pivot happened: the change point of a network's topic sequence, with a confidence interval.

``pivots`` tests window boundaries, so on its own it can only say "between these windows". Here the
network's posts around the flagged boundary (the ``span`` windows before and after), in time order, are
taken as one categorical sequence (each post's topic) with one change in its topic mix:

* **estimate**: the split that maximizes the multinomial log-likelihood of the two segments,
  ``sum_seg sum_topic n log(n / n_seg)`` (the maximum-likelihood single change point), computed for every
  split at once from cumulative topic counts: O(posts x topics). The change time is the midpoint
  between the last post before the split and the first after, rounded to the hour.
* **confidence interval**: a parametric bootstrap. Topics are redrawn from the two fitted segment
  distributions at the same post times, the change point is re-estimated, and the 5th and 95th
  percentiles of the re-estimated splits give a 90% interval (200 draws, seeded), from the post
  before the lowest split to the post after the highest (hours rounded outwards), so it always
  spans at least the gap between the posts either side of the change.

A generic change-point library (ruptures) was weighed: its costs evaluate each split separately
(O(posts^2) per fit), which the bootstrap would pay 200 times; the closed form above is exact for
the one-change, categorical case and takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

MIN_SEGMENT = 3
DRAWS = 200


@dataclass(frozen=True)
class ChangePoint:
    time: datetime
    low: datetime
    high: datetime
    index: int  # posts before the change


def _loglik(onehot: np.ndarray) -> np.ndarray:
    """Log-likelihood of every split k (posts [0, k) | [k, n)), for k in [MIN_SEGMENT, n - MIN_SEGMENT]."""
    n = len(onehot)
    left = np.cumsum(onehot, axis=0)[:-1]  # row k-1: counts of the first k posts
    right = left[-1] + onehot[-1] - left
    k = np.arange(1, n)[:, None]

    def part(c: np.ndarray, size: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(c > 0, c * np.log(c / size), 0.0).sum(axis=1)

    ll = part(left, k) + part(right, n - k)
    ll[: MIN_SEGMENT - 1] = -np.inf
    ll[n - MIN_SEGMENT:] = -np.inf
    return ll  # ll[k-1] is the split after k posts


def _split(topics: np.ndarray, n_topics: int) -> int:
    onehot = np.zeros((len(topics), n_topics))
    onehot[np.arange(len(topics)), topics] = 1.0
    return int(np.argmax(_loglik(onehot))) + 1


def _dt(t: np.datetime64) -> datetime:
    out: datetime = t.astype("datetime64[us]").astype(datetime)
    return out


def _hour(t: datetime, up: bool = False) -> datetime:
    floor = t.replace(minute=0, second=0, microsecond=0)
    return floor + timedelta(hours=1) if up and floor < t else floor


def _when(times: np.ndarray, k: int) -> datetime:
    """The change time of split ``k``: midway between the posts either side, to the nearest hour."""
    return _hour(_dt(times[k - 1] + (times[k] - times[k - 1]) / 2) + timedelta(minutes=30))


def change_point(times: np.ndarray, topics: np.ndarray, *, seed: int = 0) -> ChangePoint | None:
    """The change of topic mix in posts sorted by ``times`` (``datetime64``); None with too few posts."""
    n = len(topics)
    if n < 2 * MIN_SEGMENT:
        return None
    order = np.argsort(times, kind="stable")
    times, topics = times[order], topics[order]
    _, codes = np.unique(topics, return_inverse=True)
    k_topics = int(codes.max()) + 1
    k = _split(codes, k_topics)
    before = np.bincount(codes[:k], minlength=k_topics) / k
    after = np.bincount(codes[k:], minlength=k_topics) / (n - k)
    rng = np.random.default_rng(seed)
    ks = []
    for _ in range(DRAWS):
        draw = np.concatenate([rng.choice(k_topics, size=k, p=before), rng.choice(k_topics, size=n - k, p=after)])
        ks.append(_split(draw, k_topics))
    lo, hi = (int(v) for v in np.percentile(ks, [5, 95], method="nearest"))
    # The interval always spans the gap between the posts either side of the split: the change
    # happened somewhere in it, however clear the split is.
    return ChangePoint(time=_when(times, k), low=_hour(_dt(times[min(lo, k) - 1])),
                       high=_hour(_dt(times[max(hi, k)]), up=True), index=k)
