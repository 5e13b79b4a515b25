"""The state every generator shares: the random stream, profile, skeleton, accounts and pools."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from lockstep.synth.accounts import AccountBook
from lockstep.synth.profile import SynthProfile
from lockstep.synth.skeleton import Pools, Skeleton


@dataclass
class World:
    rng: np.random.Generator
    profile: SynthProfile
    posts: int
    sk: Skeleton = field(default_factory=Skeleton)
    book: AccountBook = field(default_factory=AccountBook)
    pools: Pools = field(default_factory=Pools)
    organic: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # organic account ids
    activity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their activity weights
    shift_h: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their chronotype shifts
    popular_originals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rows
    manifest: dict = field(default_factory=dict)

    @property
    def start_s(self) -> int:
        d = dt.date.fromisoformat(self.profile.start)
        return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())

    @property
    def days(self) -> int:
        return self.profile.days

    @property
    def end_s(self) -> int:
        return self.start_s + self.days * 86_400

    def us(self, seconds: np.ndarray) -> np.ndarray:
        """Seconds to microseconds with a random sub-second part (real timestamps are not round)."""
        s = np.asarray(seconds, np.int64)
        return s * 1_000_000 + self.rng.integers(0, 1_000_000, len(s))

    def seeds(self, n: int) -> np.ndarray:
        return self.rng.integers(0, 2**62, n, dtype=np.int64)

    def pick_organic(self, n: int, *, replace: bool = False, pool: np.ndarray | None = None) -> np.ndarray:
        """Distinct organic accounts (of ``pool``, positions into ``organic``), the active ones more
        likely: they are the ones who post."""
        pos = np.arange(len(self.organic)) if pool is None else pool
        n = min(n, len(pos)) if not replace else n
        act = self.activity[pos]
        return self.organic[pos[self.rng.choice(len(pos), size=n, replace=replace, p=act / act.sum())]]

    def sub_pool(self, share: float) -> np.ndarray:
        """A fixed random subset of organic accounts (e.g. the news junkies who share every story)."""
        k = max(30, int(share * len(self.organic)))
        return np.sort(self.rng.choice(len(self.organic), size=min(k, len(self.organic)), replace=False))
