"""The detector contract, the planted-example type, and time-window parsing.

A detector is any class with a permanent ``name``, keyword-only parameters kept as given, and
``detect(engine, posts)`` returning candidate edges as Arrow (see :data:`EDGE_SCHEMA`). Detectors
talk to data only through the :class:`~lockstep.engine.base.Engine`, so they run unchanged on any
engine. ``example()`` returns planted posts and the pairs that must (and only those) come out
significant; the contract suite and the tests use it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, runtime_checkable

import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.model import POST_SCHEMA, Post

#: What ``detect`` returns: one row per candidate pair, accounts ordered (a < b).
EDGE_SCHEMA = pa.schema(
    [
        pa.field("platform_a", pa.string()),
        pa.field("account_a", pa.string()),
        pa.field("platform_b", pa.string()),
        pa.field("account_b", pa.string()),
        pa.field("weight", pa.float64()),  # sum of the rarity (IDF) of the shared items
        pa.field("count", pa.int64()),  # distinct items shared within the window
        pa.field("expected", pa.float64()),  # chance expectation of that count (null model)
        pa.field("p_value", pa.float64()),
        pa.field("evidence_ids", pa.list_(pa.string())),  # "platform/post_id" of supporting posts
        pa.field("evidence_items", pa.list_(pa.string())),  # the shared item of each evidence post
        pa.field("window_s", pa.float64()),  # the time scale at which the pair was tested best
    ]
)

#: Schema metadata keys a detector sets on its result.
META_TESTED = b"lockstep.tested_pairs"
META_WINDOW = b"lockstep.window_s"

Pair = tuple[tuple[str, str], tuple[str, str]]


@dataclass(frozen=True)
class Example:
    """Planted posts and the account pairs that must come out significant (and no others)."""

    posts: list[Post]
    expected: set[Pair] = field(default_factory=set)
    fdr: float = 0.01

    def __post_init__(self) -> None:
        # Pairs are undirected: store each as (smaller account, larger account), as edges are.
        object.__setattr__(self, "expected", {(min(a, b), max(a, b)) for a, b in self.expected})

    def table(self, dataset: str = "example") -> pa.Table:
        rows = []
        for p in self.posts:
            d = asdict(p)
            d["dataset"] = d["dataset"] or dataset
            rows.append(d)
        return pa.Table.from_pylist(rows, schema=POST_SCHEMA)


@runtime_checkable
class Detector(Protocol):
    name: ClassVar[str]
    #: plain-language verb phrase for "why flagged": "posted the same texts".
    action: ClassVar[str]

    def detect(self, engine: Engine, posts: str = "posts", *, p_max: float = 1.0) -> pa.Table: ...

    @staticmethod
    def example() -> Example: ...


_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_WINDOW_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
MAX_WINDOW_S = 7 * 86400


def parse_window(value: Any, *, what: str = "window") -> float | str:
    """``60``, ``"60s"``, ``"5m"``, ``"2h"`` -> seconds; ``"auto"`` stays ``"auto"``."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _WINDOW_RE.match(str(value).lower())
        if not m or m.group(2) not in {*_UNITS, ""}:
            raise DetectorError(
                f"The {what} must be a duration such as 60s, 5m, 2h or 'auto'. Got {value!r} instead."
            )
        seconds = float(m.group(1)) * _UNITS.get(m.group(2) or "s", 1)
    if not 0 < seconds <= MAX_WINDOW_S:
        raise DetectorError(
            f"The {what} must be between 1 second and 7 days. Got {value!r} ({seconds:g} s) instead."
        )
    return seconds


def format_window(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def check_int(owner: str, name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise DetectorError(
            f"The {name!r} parameter of {owner} must be an int in [{lo}, {hi}]. Got {value!r} instead."
        )
    return value


def check_float(owner: str, name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise DetectorError(
            f"The {name!r} parameter of {owner} must be a number in [{lo}, {hi}]. Got {value!r} instead."
        )
    return float(value)


def planted_time(minutes: float) -> datetime:
    """A fixed origin for planted examples, so they are reproducible."""
    return datetime(2024, 3, 1, 12, 0, 0) + timedelta(minutes=minutes)


def background(make: Any, *, accounts: int = 40, per_account: int = 5, prefix: str = "bg") -> list[Post]:
    """Ordinary activity for planted examples: ``accounts`` accounts posting unshared items,
    spread over twenty days. ``make(account_id, post_id, time, n)`` builds one post around item ``n``.
    Without it a tiny example has no "chance" to compare the planted accounts against."""
    out = []
    for a in range(accounts):
        for i in range(per_account):
            n = a * per_account + i
            out.append(make(f"{prefix}{a}", f"{prefix}{a}p{i}", planted_time(37.0 * n % 28800), n))
    return out
