"""co_repost: accounts that repost the same posts within a window.

Repost rings amplify a few seed accounts; the evidence is the reposted post. Where a source gives
no id of the reposted post (old exports with only ``RT @user: text``), the reposted account plus
the text stands in for it.
"""

from __future__ import annotations

from typing import ClassVar

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace


class CoRepost(ItemTrace):
    """Co-reposting (cf. Pacheco et al. 2021, "Uncovering Coordinated Networks on Social Media")."""

    name: ClassVar[str] = "co_repost"
    action: ClassVar[str] = "reposted the same posts"
    item_noun: ClassVar[str] = "posts"
    default_window: ClassVar[str] = "10m"
    items_per_platform: ClassVar[bool] = True

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            "platform || '/' || coalesce(repost_of_post, "
            "  'rt:' || repost_of_account || ':' || md5(coalesce(text, ''))) AS item, "
            "'repost of ' || coalesce(repost_of_account, '?') || ' ' || "
            "  coalesce(repost_of_post, substr(coalesce(text, ''), 1, 120)) AS label "
            f"FROM {posts} WHERE repost_of_post IS NOT NULL OR repost_of_account IS NOT NULL"
        )

    @staticmethod
    def example() -> Example:
        posts: list[Post] = []
        for i in range(6):  # a ring reposts six seed posts within a minute of each other
            for j, acc in enumerate(["r1", "r2", "r3"]):
                posts.append(Post("x", f"rp{i}{acc}", acc, planted_time(60 * i + 0.3 * j),
                                  repost_of_post=f"seed{i}", repost_of_account="seed"))
        for i in range(8):  # must not fire: strangers repost one viral post at the same moment
            posts.append(Post("x", f"v{i}", f"fan{i}", planted_time(1 + 0.1 * i),
                              repost_of_post="viral", repost_of_account="star"))
        for i in range(12):  # must not fire: two busy accounts among many reposters of popular posts
            for j, acc in enumerate(["busy1", "busy2"] + [f"crowd{c}" for c in range(10)]):
                minute = (7919 * (i * 13 + j) ** 2) % 2880  # scattered over two days
                posts.append(Post("x", f"b{i}{acc}", acc, planted_time(3000 + minute),
                                  repost_of_post=f"pop{i}", repost_of_account="star"))
        posts += background(lambda a, p, t, n: Post("x", p, a, t, repost_of_post=f"u{n}",
                                                    repost_of_account=f"o{n}"))
        return Example(posts, {(("x", "r1"), ("x", "r2")), (("x", "r1"), ("x", "r3")),
                               (("x", "r2"), ("x", "r3"))})
