"""co_text: accounts that post the same text - or a near-duplicate of it - within a window.

Copypasta is the cheapest coordination there is, and operations add small edits to dodge exact
matching. Texts are normalized as :func:`lockstep.ingest.normalize.normalize_text` does (URLs and
``RT @x:`` removed, case-folded, whitespace collapsed) by its SQL twin
:func:`~lockstep.ingest.normalize.normalized_text_sql`, once per *distinct* text. Texts
of at least ``min_chars`` characters are then grouped by MinHash/LSH (:mod:`.minhash`) when their
estimated Jaccard similarity over 5-byte shingles reaches ``similarity``: texts posted more than
once chain into groups, a text posted once only joins one (it never links two); a group is one item.
Shorter texts ("good morning") only match exactly, and their popularity discounts them. Reposts
are left to ``co_repost``. ``near_duplicates=False`` matches exact (normalized) texts only, like
the peer tools' co-tweet networks.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.ingest.normalize import normalized_text_sql
from lockstep.model import Post
from lockstep.traces.base import Example, background, check_float, check_int, planted_time
from lockstep.traces.item_trace import ItemTrace
from lockstep.traces.minhash import near_duplicate_groups, signatures

_TEXTS = "_ls_co_text_texts"
_GROUPS = "_ls_co_text_groups"
_NON_REPOST = "repost_of_post IS NULL AND repost_of_account IS NULL"


class CoText(ItemTrace):
    """Co-posting of the same or nearly the same text (copypasta)."""

    name: ClassVar[str] = "co_text"
    action: ClassVar[str] = "posted the same texts"
    item_noun: ClassVar[str] = "texts"
    default_window: ClassVar[str] = "1h"

    def __init__(self, *, window: str | float = "", min_items: int = 3, max_neighbors: int = 32, slow_factor: int = 12,
                 similarity: float = 0.7, min_chars: int = 30, perms: int = 32, bands: int = 8,
                 near_duplicates: bool = True) -> None:
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors,
                         slow_factor=slow_factor)
        self.near_duplicates = near_duplicates
        self.similarity = similarity
        self.min_chars = min_chars
        self.perms = perms
        self.bands = bands

    def get_params(self) -> dict[str, Any]:
        return {**super().get_params(), "similarity": self.similarity, "min_chars": self.min_chars,
                "perms": self.perms, "bands": self.bands, "near_duplicates": self.near_duplicates}

    def _validate(self) -> float | str:
        owner = type(self).__name__
        check_float(owner, "similarity", self.similarity, 0.05, 1.0)
        check_int(owner, "min_chars", self.min_chars, 1, 100_000)
        check_int(owner, "perms", self.perms, 4, 1024)
        check_int(owner, "bands", self.bands, 1, self.perms)
        if not isinstance(self.near_duplicates, bool):
            raise DetectorError(f"{owner}: near_duplicates must be true or false. Got {self.near_duplicates!r}.")
        return super()._validate()

    def prepare(self, engine: Engine, posts: str) -> None:
        engine.materialize(
            _TEXTS,
            f"SELECT text, n, {normalized_text_sql(engine, 'text')} AS norm FROM "
            f"(SELECT text, COUNT(*) AS n FROM {posts} WHERE text IS NOT NULL AND {_NON_REPOST} GROUP BY text) t",
        )
        # Most posted first: a near-duplicate group forms around its most posted text (the
        # copypasta's original), see near_duplicate_groups.
        reps: list[str] = []
        members: list[str] = []
        long = engine.sql(
            f"SELECT norm, SUM(n) AS n FROM {_TEXTS} WHERE length(norm) >= ? GROUP BY norm ORDER BY n DESC, norm",
            [self.min_chars],
        ) if self.near_duplicates else None
        if long is not None and long.num_rows > 1:
            long_texts = long.column("norm")
            sig = signatures(long_texts, perms=self.perms)
            groups = near_duplicate_groups(sig, threshold=self.similarity, bands=self.bands,
                                           repeated=long.column("n").to_numpy() > 1)
            moved = np.flatnonzero(groups != np.arange(len(long_texts)))
            members = long_texts.take(pa.array(moved, pa.int64())).to_pylist()
            reps = long_texts.take(pa.array(groups[moved], pa.int64())).to_pylist()
        engine.write(_GROUPS, pa.table({"norm": pa.array(members, pa.string()), "rep": pa.array(reps, pa.string())}))

    def finish(self, engine: Engine) -> None:
        engine.drop(_TEXTS)
        engine.drop(_GROUPS)

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT p.platform, p.account_id, p.post_id, {engine.epoch('p.time')} AS ts, "
            "coalesce(g.rep, t.norm) AS item, substr(coalesce(g.rep, t.norm), 1, 200) AS label "
            f"FROM {posts} p JOIN {_TEXTS} t ON p.text = t.text LEFT JOIN {_GROUPS} g ON g.norm = t.norm "
            f"WHERE t.norm <> '' AND p.{_NON_REPOST.replace(' AND ', ' AND p.')}"
        )

    @staticmethod
    def example() -> Example:
        claims = ["Election officials in the county are hiding ballots, share before they delete this",
                  "The mayor secretly sold the water company to foreign investors last week",
                  "Doctors confirm the new vaccine changes your DNA, the media will not tell you",
                  "Thousands of illegal voters were bused in from the next state this morning",
                  "Our soldiers were abandoned by the generals, read what they do not want seen"]
        posts = [Post("x", f"c{i}{a}", a, planted_time(100 * i + 2 * j),
                      text=claims[i] + ("" if j == 0 else " !!" if j == 1 else " (please RT)"))
                 for i in range(5) for j, a in enumerate(["c1", "c2", "c3"])]
        # must not fire: strangers saying good morning at the same time, and a shared headline
        posts += [Post("x", f"gm{i}", f"p{i}", planted_time(1 + 0.1 * i), text="Good morning!")
                  for i in range(10)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, text=f"my own thoughts number {n} today"))
        return Example(posts, {(("x", "c1"), ("x", "c2")), (("x", "c1"), ("x", "c3")),
                               (("x", "c2"), ("x", "c3"))})
