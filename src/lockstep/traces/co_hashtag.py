"""co_hashtag: accounts that post the same *set* of hashtags within a window.

One popular hashtag is shared by whole fan communities; the same combination of several tags,
posted by the same accounts again and again within minutes, is a campaign's fingerprint. The item
is the sorted set of a post's distinct hashtags; the null model discounts popular sets.
"""

from __future__ import annotations

from typing import ClassVar

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace


class CoHashtag(ItemTrace):
    """Co-use of the same hashtag sets."""

    name: ClassVar[str] = "co_hashtag"
    action: ClassVar[str] = "used the same hashtag combinations"
    item_noun: ClassVar[str] = "hashtag sets"
    default_window: ClassVar[str] = "30m"

    def __init__(self, *, window: str | float = "", min_items: int = 2, max_neighbors: int = 32,
                 slow_factor: int = 12) -> None:
        # Campaigns push one or two tags over and over: two distinct sets plus repeated
        # episodes (each tested against chance) are enough.
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors,
                         slow_factor=slow_factor)

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"'#' || {engine.set_key('hashtags')} AS item, '#' || {engine.set_key('hashtags')} AS label "
            f"FROM {posts} WHERE hashtags IS NOT NULL "
            "AND repost_of_post IS NULL AND repost_of_account IS NULL"
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
