"""The operator's clock: which UTC offset best explains activity as a 09:00–18:00, Mon–Fri job.

Paid operators work office hours in *their* time zone, whatever audience they pretend to be.
We fit one model per candidate offset ``o`` (UTC−12:00 … UTC+14:00 in 30-minute steps) to the
account's (or network's) UTC activity histogram over the 336 half-hours of the week:

    p_o(bin) = π · [bin is Mon–Fri 09:00–18:00 local] / 90  +  (1 − π) / 336

a working-day box (90 of 336 half-hours) on top of uniform background activity. π, the share of
activity the working day explains, has a closed-form maximum-likelihood estimate from the share
``f`` of posts inside the box: ``π = (f·336/90 − 1) / (336/90 − 1)`` clipped to [0, 1]. The best
offset maximizes the likelihood. Two things make a fit believable, and the confidence is their
product:

* **sharpness** — the posterior mass (flat prior over offsets, profile likelihood) within ±1 hour
  of the best offset: few posts, or activity spread around the clock, leave it low;
* **fit** — π itself: how much of the activity the working day explains (1 = all of it).

The weekend ratio (posts per local weekend day ÷ per weekday) and the edge ratios at 09:00 and
18:00 are reported beside it: shift work shows as sharp edges; a person's evenings and weekends
do not. Daylight-saving time moves the operator's offset by an hour for part of the year; over
long periods the fit lands on one of the two and the ±1 h tolerance covers it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

BINS = 336  # half-hours in a week
OFFSETS = np.arange(-24, 29)  # in half-hours: UTC-12:00 .. UTC+14:00
_WORK = np.zeros(BINS, dtype=bool)
for _day in range(5):
    _WORK[_day * 48 + 18 : _day * 48 + 36] = True  # 09:00-18:00
_A, _U = 1 / int(_WORK.sum()), 1 / BINS


@dataclass(frozen=True)
class ClockFit:
    """The working-day fit of one histogram, with the evidence an analyst needs beside it."""

    utc_offset_hours: float
    fit: float
    confidence: float
    posts: int
    weekend_ratio: float
    edge_ratio_start: float
    edge_ratio_end: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def week_histogram(times: pd.Series) -> np.ndarray:
    """Counts of UTC posts per half-hour of the week (Monday 00:00 = bin 0)."""
    t = pd.to_datetime(times).dropna()
    if t.empty:
        return np.zeros(BINS)
    return np.bincount(week_bins(t), minlength=BINS).astype(float)


def to_local(hist_utc: np.ndarray, offset_halfhours: int) -> np.ndarray:
    """Shift a UTC week histogram to local time at UTC+offset."""
    return np.roll(hist_utc, offset_halfhours)


def format_offset(hours: float | None) -> str:
    if hours is None:
        return "unknown"
    sign = "+" if hours >= 0 else "−"
    h, m = divmod(round(abs(hours) * 60), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def week_bins(times: pd.Series) -> np.ndarray:
    t = pd.to_datetime(times)
    return (t.dt.day_of_week.to_numpy() * 48 + t.dt.hour.to_numpy() * 2 + t.dt.minute.to_numpy() // 30)


def fit_many(hists_utc: np.ndarray) -> list[ClockFit | None]:
    """Fit every row of an (accounts × 336) matrix of UTC week histograms at once."""
    h = np.atleast_2d(np.asarray(hists_utc, dtype=float))
    n = h.sum(axis=1)
    # inside[i, j]: posts of row i inside the working box at offset OFFSETS[j]
    inside = np.stack([np.roll(h, o, axis=1)[:, _WORK].sum(axis=1) for o in OFFSETS], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = inside / n[:, None]
        pi = np.clip((f * _A - _U) / (_A - _U), 0.0, 1.0)
        ll = inside * np.log(pi * _A + (1 - pi) * _U)
        out_n = n[:, None] - inside
        ll += np.where(out_n > 0, out_n * np.log((1 - pi) * _U), 0.0)
    ll = np.nan_to_num(ll, nan=-1e300, neginf=-1e300)
    best = ll.argmax(axis=1)
    post = np.exp(ll - ll[np.arange(len(h)), best][:, None])
    post /= post.sum(axis=1, keepdims=True)
    fits: list[ClockFit | None] = []
    for i in range(len(h)):
        if n[i] <= 0:
            fits.append(None)
            continue
        o = int(OFFSETS[best[i]])
        near = np.abs(OFFSETS - o) <= 2
        local = np.roll(h[i], o).reshape(7, 48)
        weekday_rate = local[:5].sum() / 5
        wk = local[:5].sum(axis=0)
        p = float(pi[i, best[i]])
        fits.append(ClockFit(
            utc_offset_hours=o / 2, fit=p, confidence=float(post[i, near].sum()) * p, posts=int(n[i]),
            weekend_ratio=float(local[5:].sum() / 2 / weekday_rate) if weekday_rate > 0 else float("inf"),
            edge_ratio_start=float((wk[18:20].sum() + 1) / (wk[16:18].sum() + 1)),  # 09-10 vs 08-09
            edge_ratio_end=float((wk[34:36].sum() + 1) / (wk[36:38].sum() + 1)),  # 17-18 vs 18-19
        ))
    return fits


def fit_working_day(hist_utc: np.ndarray) -> ClockFit | None:
    """Best UTC offset for a 09:00–18:00 Mon–Fri working day; ``None`` without any posts."""
    return fit_many(hist_utc)[0]


def describe(fit: ClockFit) -> str:
    """One sentence of evidence for a fit (no verdict)."""
    return (
        f"Activity fits a 09:00–18:00 Mon–Fri working day at {format_offset(fit.utc_offset_hours)} "
        f"(fit {fit.fit:.2f}, confidence {fit.confidence:.2f} over {fit.posts:,} posts; weekend days "
        f"{fit.weekend_ratio:.0%} as busy as weekdays; activity rises {fit.edge_ratio_start:.1f}× at 09:00 "
        f"and falls {fit.edge_ratio_end:.1f}× at 18:00 local)"
    )
