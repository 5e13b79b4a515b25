"""co_image: accounts that post the same image - or a perceptually near one - within a window.

Media hashes come from the source (``media_hashes``). Cryptographic hashes only match exactly.
Perceptual hashes given as 16 hex digits (64-bit pHash/dHash) also match within ``max_distance``
bits: by the pigeonhole principle two hashes that close agree exactly on at least one of
``max_distance + 1`` bit bands, so only hashes sharing a band are compared.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, check_int, planted_time
from lockstep.traces.item_trace import ItemTrace

_MAP = "_ls_co_image_map"
_HEX64 = re.compile(r"^[0-9a-f]{16}$")


class CoImage(ItemTrace):
    """Co-posting of the same images (exact and perceptual hashes)."""

    name: ClassVar[str] = "co_image"
    action: ClassVar[str] = "posted the same images"
    item_noun: ClassVar[str] = "images"
    default_window: ClassVar[str] = "1h"

    def __init__(self, *, window: str | float = "", min_items: int = 3, max_neighbors: int = 32, slow_factor: int = 12,
                 max_distance: int = 6) -> None:
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors,
                         slow_factor=slow_factor)
        self.max_distance = max_distance

    def get_params(self) -> dict[str, Any]:
        return {**super().get_params(), "max_distance": self.max_distance}

    def _validate(self) -> float | str:
        check_int(type(self).__name__, "max_distance", self.max_distance, 0, 16)
        return super()._validate()

    def prepare(self, engine: Engine, posts: str) -> None:
        hashes = sorted(h for h in engine.sql(
            f"SELECT DISTINCT {engine.explode('media_hashes')} AS h FROM {posts} WHERE media_hashes IS NOT NULL"
        ).column("h").to_pylist() if h)
        items = list(hashes)
        hexes = [i for i, h in enumerate(hashes) if _HEX64.match(h.lower())]
        if self.max_distance > 0 and len(hexes) > 1:
            values = np.array([int(hashes[i], 16) for i in hexes], dtype=np.uint64)
            labels = hamming_groups(values, self.max_distance)
            for pos, lab in zip(hexes, labels, strict=True):
                items[pos] = hashes[hexes[lab]]
        engine.write(_MAP, pa.table({"h": pa.array(hashes, pa.string()), "item": pa.array(items, pa.string())}))

    def finish(self, engine: Engine) -> None:
        engine.drop(_MAP)

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT e.platform, e.account_id, e.post_id, e.ts, m.item, 'image ' || m.item AS label FROM ("
            f"  SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"         {engine.explode('media_hashes')} AS h FROM {posts} WHERE media_hashes IS NOT NULL) e "
            f"JOIN {_MAP} m ON e.h = m.h"
        )

    @staticmethod
    def example() -> Example:
        posts = []
        for i in range(5):
            phash = (0x9E3779B97F4A7C15 * (i + 1)) % (1 << 64)  # five unrelated images
            for j, a in enumerate(["i1", "i2", "i3"]):
                near = phash ^ (1 << (3 * j))  # a re-encoded copy: a bit or two differ
                posts.append(Post("x", f"im{i}{a}", a, planted_time(100 * i + j), media_hashes=[f"{near:016x}"]))
        posts += [Post("x", f"meme{i}", f"m{i}", planted_time(1 + 0.1 * i), media_hashes=["sha256:popularmeme"])
                  for i in range(10)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, media_hashes=[f"sha256:photo{n}"]))
        return Example(posts, {(("x", "i1"), ("x", "i2")), (("x", "i1"), ("x", "i3")),
                               (("x", "i2"), ("x", "i3"))})


#: The most hashes after each one, within a band's run of equal keys, that it is compared with.
#: Runs are about ``n / 2**(64 / bands)`` long, so below a few million distinct hashes every pair
#: that shares a band is compared (exact); beyond, the cap bounds the work.
MAX_PROBES = 256


def hamming_groups(values: np.ndarray, max_distance: int) -> np.ndarray:
    """Component label (smallest member index) of 64-bit hashes within ``max_distance`` bits.

    Pigeonhole: two hashes within ``max_distance`` bits agree exactly on at least one of
    ``max_distance + 1`` disjoint bit bands, so only hashes sharing a band are compared. The bands
    split the 64 bits as evenly as possible (no narrow band whose few values would crowd every hash
    into a handful of huge runs), and *every* pair in a run is compared - not only each hash with
    the run's first one, which misses two variants of one image that each differ from that first
    hash by several bits but from each other by few.
    """
    n = len(values)
    bands = max_distance + 1
    edges = np.linspace(0, 64, bands + 1).round().astype(int)
    src, dst = [], []
    for lo, hi in itertools.pairwise(edges.tolist()):
        key = (values >> np.uint64(lo)) & np.uint64((1 << int(hi - lo)) - 1)
        order = np.argsort(key, kind="stable")
        sk = key[order]
        for d in range(1, min(MAX_PROBES, n - 1) + 1):
            same = sk[d:] == sk[:-d]
            if not same.any():
                break
            i, j = order[d:][same], order[:-d][same]
            ok = np.bitwise_count(values[i] ^ values[j]) <= max_distance
            src.append(i[ok])
            dst.append(j[ok])
    if not src:
        return np.arange(n)
    s, t = np.concatenate(src), np.concatenate(dst)
    _, labels = connected_components(coo_matrix((np.ones(len(s), np.int8), (s, t)), shape=(n, n)), directed=False)
    smallest = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n))
    return smallest[labels]
