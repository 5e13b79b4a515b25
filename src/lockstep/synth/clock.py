"""When people post: a daily rhythm in each account's own time zone, or an operator's office hours.

Real accounts post by their local clock (quiet at night, peaks at lunch and evening) and do not
stop for weekends. Operators of influence operations often work a shift on *their* clock (e.g.
09:00-18:00 UTC+3, Monday-Friday); that rhythm, seen in UTC, is what a time-zone signal can find.
"""

from __future__ import annotations

import numpy as np

DAY_S = 86_400
#: Share of a day's posts in each local hour (a typical microblog curve).
HOURLY = np.array([3.5, 2.2, 1.4, 1.0, 0.8, 0.9, 1.6, 3.0, 4.5, 5.2, 5.4, 5.6, 5.8, 5.6, 5.4, 5.3,
                   5.4, 5.6, 5.8, 6.2, 6.6, 6.8, 6.3, 5.0])
HOURLY = HOURLY / HOURLY.sum()
#: An office day: 09-18 with a lunch dip.
WORK_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 10, 10, 5, 7, 10, 10, 9, 7, 0, 0, 0, 0, 0, 0], float)
WORK_HOURS = WORK_HOURS / WORK_HOURS.sum()

#: (UTC offset in hours, weight) of a mostly English-speaking microblog audience.
AUDIENCE_OFFSETS = np.array([(-8, 10), (-7, 4), (-6, 10), (-5, 22), (-4, 1.5), (-3, 6), (0, 11), (1, 12),
                             (2, 4), (3, 4), (3.5, 0.5), (5.5, 6), (7, 1.5), (8, 2.5), (9, 4), (10, 2)], float)
#: Clocks an operator of a foreign operation might keep.
OPERATOR_OFFSETS = (3.0, 3.5, 8.0, 3.0, 4.0, 8.0, 5.5, 3.0)


def sample_offsets(rng: np.random.Generator, n: int) -> np.ndarray:
    w = AUDIENCE_OFFSETS[:, 1] / AUDIENCE_OFFSETS[:, 1].sum()
    return AUDIENCE_OFFSETS[rng.choice(len(w), size=n, p=w), 0]


def local_rhythm(rng: np.random.Generator, offset_h: np.ndarray, shift_h: np.ndarray, days: int,
                 start_s: int) -> np.ndarray:
    """UTC seconds for posts made by a daily rhythm in each row's local zone (+ personal shift)."""
    n = len(offset_h)
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=HOURLY)
    local = hour * 3600 + rng.integers(0, 3600, n) + (shift_h * 3600).astype(np.int64)
    return start_s + day * DAY_S + local - (offset_h * 3600).astype(np.int64)


def working_hours(rng: np.random.Generator, n: int, offset_h: float, days: int, start_s: int,
                  first_day: int = 0) -> np.ndarray:
    """UTC seconds inside an operator's weekday shift on a clock at ``offset_h``."""
    start_weekday = int(((start_s // DAY_S) + 3) % 7)  # 1970-01-01 was a Thursday (3)
    workdays = np.array([d for d in range(first_day, days) if (start_weekday + d) % 7 < 5], np.int64)
    if len(workdays) == 0:
        workdays = np.arange(first_day, max(first_day + 1, days), dtype=np.int64)
    day = workdays[rng.integers(0, len(workdays), n)]
    hour = rng.choice(24, size=n, p=WORK_HOURS)
    local = hour * 3600 + rng.integers(0, 3600, n)
    return start_s + day * DAY_S + local - int(offset_h * 3600)


def zipf_weights(n: int, a: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1, dtype=float) ** a
    return w / w.sum()


def fold_into_shift(t: np.ndarray, offset_h: float) -> np.ndarray:
    """Carry posts that would fall after 18:00 on the operator's clock over to the next workday
    morning, as a scheduled queue does (keeps slow-spread actions inside office hours)."""
    off = int(offset_h * 3600)
    local = np.asarray(t, np.int64) + off
    day, sod = np.divmod(local, DAY_S)
    shift = 9 * 3600
    late = sod >= 18 * 3600
    over = np.where(late, sod - 18 * 3600, 0)
    day = day + np.where(late, 1 + over // shift, 0)
    sod = np.where(late, 9 * 3600 + over % shift, sod)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    day = day + np.where(weekday >= 5, 7 - weekday, 0)
    return day * DAY_S + sod - off
