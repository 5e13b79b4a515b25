"""co_hashtag: accounts that post the same hashtags - one by one, or as a set or sequence - within
a window.

``unit`` says what one item is:

* ``tag`` (default): a post's rarest hashtag (used by the fewest posts), one item per post. A
  campaign pushes its own few tags in ever-changing combinations (#a, #a #b, #b #trending...), so
  its members rarely post the same *set*, but they keep posting the same rare tags within minutes
  of each other; the rarest tag of a post is its most specific one (a hijacked trending tag is
  passed over). One item per post, not one per tag: two fans posting at the same moment with their
  community's three tags are one coincidence, not three.
* ``set``: the sorted set of a post's distinct hashtags - the same combination again and again is a
  tighter fingerprint, for campaigns that copy a fixed hashtag block.
* ``sequence``: the hashtags in the order posted, for copied blocks where the order is the tell.

One popular hashtag is shared by whole fan communities: the item cap leaves the most popular tags
out, the null model discounts popular ones, and the timing null discounts tags that accounts use
again and again (fans of a band).
"""

from __future__ import annotations

from typing import Any, ClassVar

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace

UNITS = ("tag", "set", "sequence")
_ORIGINALS = "repost_of_post IS NULL AND repost_of_account IS NULL"


class CoHashtag(ItemTrace):
    """Co-use of the same hashtags (single tags by default; sets or sequences on request)."""

    name: ClassVar[str] = "co_hashtag"
    action: ClassVar[str] = "used the same hashtags"
    item_noun: ClassVar[str] = "hashtags"
    default_window: ClassVar[str] = "30m"

    def __init__(self, *, window: str | float = "", min_items: int = 2, max_neighbors: int = 32,
                 slow_factor: int = 12, unit: str = "tag") -> None:
        # Campaigns push one or two tags over and over: two distinct items plus repeated
        # episodes (each tested against chance) are enough.
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors,
                         slow_factor=slow_factor)
        self.unit = unit

    def get_params(self) -> dict[str, Any]:
        return {**super().get_params(), "unit": self.unit}

    def _validate(self) -> float | str:
        if self.unit not in UNITS:
            raise DetectorError(f"CoHashtag: unit must be one of {', '.join(UNITS)}. Got {self.unit!r}.")
        return super()._validate()

    def events_sql(self, engine: Engine, posts: str) -> str:
        ts = engine.epoch("time")
        if self.unit == "tag":
            # One event per post: its rarest hashtag (fewest posts; ties by the tag). Every tag of a
            # post as its own event would count one moment shared by two fans three or four
            # times, once per tag of their community - evidence that is not independent.
            return (
                "WITH e AS ("
                "  SELECT platform, account_id, post_id, ts, lower(h) AS h FROM ("
                f"    SELECT platform, account_id, post_id, {ts} AS ts, {engine.explode('hashtags')} AS h "
                f"    FROM {posts} WHERE hashtags IS NOT NULL AND {_ORIGINALS}) x WHERE h IS NOT NULL AND h <> ''), "
                "c AS (SELECT h, COUNT(*) AS n FROM e GROUP BY h), "
                "r AS (SELECT e.platform, e.account_id, e.post_id, e.ts, e.h, "
                "      ROW_NUMBER() OVER (PARTITION BY e.platform, e.post_id ORDER BY c.n, e.h) AS rk "
                "      FROM e JOIN c ON e.h = c.h) "
                "SELECT platform, account_id, post_id, ts, '#' || h AS item, '#' || h AS label FROM r WHERE rk = 1"
            )
        key = engine.set_key("hashtags") if self.unit == "set" else engine.list_key("hashtags")
        return (
            f"SELECT platform, account_id, post_id, {ts} AS ts, '#' || lower({key}) AS item, "
            f"'#' || lower({key}) AS label FROM {posts} WHERE hashtags IS NOT NULL AND {_ORIGINALS}"
        )

    @staticmethod
    def example() -> Example:
        camp = ["h1", "h2", "h3"]
        posts = [Post("x", f"h{i}{a}", a, planted_time(100 * i + 2 * j),
                      hashtags=[f"campaign{i}", "vote"] if j % 2 else ["vote", f"campaign{i}"])
                 for i in range(5) for j, a in enumerate(camp)]
        # must not fire: a fan community using the same tag, each fan once
        posts += [Post("x", f"fan{i}", f"fan{i}", planted_time(3 + i), hashtags=["kpop"]) for i in range(12)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, hashtags=[f"tag{n}"]))
        return Example(posts, {(("x", "h1"), ("x", "h2")), (("x", "h1"), ("x", "h3")),
                               (("x", "h2"), ("x", "h3"))})
