"""Fixed time windows shared by pivots and watch checks: ``window_days`` long, aligned to UTC
midnight of the dataset's first post, so the same data always gives the same windows."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from lockstep.errors import ConfigError, StoreError
from lockstep.store import Store


def origin(store: Store, dataset: str) -> datetime:
    first = store.scalar("SELECT min(time) FROM posts WHERE dataset = ?", [dataset])
    if first is None:
        raise StoreError(f"Dataset {dataset!r} has no posts.")
    return datetime(first.year, first.month, first.day)


def check_window(window_days: float) -> None:
    if not 0 < window_days <= 366:
        raise ConfigError(f"--window must be a number of days in (0, 366]. Got {window_days}.")


def window_index(times: np.ndarray, start: datetime, window_days: float) -> np.ndarray:
    """Window number of each time (``datetime64[us]`` array)."""
    width = np.timedelta64(int(window_days * 86400 * 1_000_000), "us")
    return ((times - np.datetime64(start, "us")) // width).astype(np.int64)


def window_start(start: datetime, w: int, window_days: float) -> datetime:
    return start + timedelta(days=window_days * w)


def iso(t: datetime) -> str:
    return t.replace(microsecond=0).isoformat() + "Z"
