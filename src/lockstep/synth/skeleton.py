"""The numeric skeleton every generator writes into: one row per post, integers only.

Why a skeleton: the hot path must be vectorized. Generators append blocks of numpy columns (who,
when, what kind, which target, which text/URL/hashtags/media); strings are made only at the end,
chunk by chunk, from pools (``fixed`` texts, URLs, hashtags) and per-row seeds. A repost names its
target row, so its text and links can be rebuilt from that row without keeping strings in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ORIGINAL, REPOST, REPLY = 0, 1, 2
WORDS, FIXED, DERIVED, REPLY_WORDS, POLITICAL = 0, 1, 2, 3, 4

COLUMNS: dict[str, type] = {
    "acct": np.int64, "t": np.int64, "kind": np.int8, "target": np.int64, "text_kind": np.int8,
    "text_a": np.int64, "url": np.int64, "tag0": np.int32, "tag1": np.int32, "tag2": np.int32,
    "media": np.int64,
}
_DEFAULTS = {"kind": ORIGINAL, "target": -1, "text_kind": WORDS, "text_a": 0, "url": -1,
             "tag0": -1, "tag1": -1, "tag2": -1, "media": -1}


@dataclass
class Pools:
    """Strings shared by many rows; rows hold indices into these lists."""

    fixed: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    url_domains: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def add_fixed(self, texts: list[str]) -> int:
        base = len(self.fixed)
        self.fixed.extend(texts)
        return base

    def add_urls(self, urls: list[str], domains: list[str]) -> int:
        base = len(self.urls)
        self.urls.extend(urls)
        self.url_domains.extend(domains)
        return base

    def add_tags(self, tags: list[str]) -> int:
        base = len(self.tags)
        self.tags.extend(tags)
        return base


class Skeleton:
    """Blocks of post rows; :meth:`add` returns the global index of the block's first row."""

    def __init__(self) -> None:
        self._blocks: list[dict[str, np.ndarray]] = []
        self.n = 0
        self.cols: dict[str, np.ndarray] = {}

    def add(self, acct: np.ndarray, t: np.ndarray, **cols: np.ndarray | int) -> int:
        n = len(acct)
        block = {"acct": np.asarray(acct, np.int64), "t": np.asarray(t, np.int64)}
        if len(block["t"]) != n:
            raise ValueError("acct and t differ in length")
        for name, dtype in COLUMNS.items():
            if name in block:
                continue
            v = cols.get(name, _DEFAULTS[name])
            arr: np.ndarray = np.full(n, v, dtype) if np.isscalar(v) else np.asarray(v, dtype)
            if len(arr) != n:
                raise ValueError(f"column {name} has {len(arr)} rows, expected {n}")
            block[name] = arr
        start = self.n
        self._blocks.append(block)
        self.n += n
        return start

    def column(self, name: str) -> np.ndarray:
        """One column over all rows added so far (for generators that pick targets)."""
        if self.cols and len(self.cols[name]) == self.n:
            return self.cols[name]
        return np.concatenate([b[name] for b in self._blocks]) if self._blocks else np.zeros(0, COLUMNS[name])

    def finish(self) -> dict[str, np.ndarray]:
        self.cols = {name: self.column(name) for name in COLUMNS}
        self._blocks = []
        return self.cols
