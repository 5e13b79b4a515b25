"""co_link: accounts that share the same normalized URL within a window.

URLs are normalized once at ingest (:func:`lockstep.ingest.normalize.normalize_url`: tracking
parameters and fragments dropped, host lower-case), so ``?utm_source=`` variants count as one link.
Link farms push a set of URLs with staggered delays; news events make thousands of strangers share
one fresh URL in minutes, which the popularity-aware null model discounts.
"""

from __future__ import annotations

from typing import ClassVar

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace


class CoLink(ItemTrace):
    """Co-link sharing (cf. Giglietto et al. 2020, CooRnet's coordinated link sharing)."""

    name: ClassVar[str] = "co_link"
    action: ClassVar[str] = "shared the same links"
    item_noun: ClassVar[str] = "links"
    default_window: ClassVar[str] = "30m"

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT platform, account_id, post_id, ts, u AS item, u AS label FROM ("
            f"  SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"         {engine.explode('urls')} AS u FROM {posts} WHERE urls IS NOT NULL) e"
        )

    @staticmethod
    def example() -> Example:
        return Example(_link_example("https://pushed.example/a", "https://news.example/breaking"),
                       {(("x", "f1"), ("x", "f2")), (("x", "f1"), ("tg", "f3")),
                        (("tg", "f3"), ("x", "f2"))})


def _link_example(pushed_prefix: str, viral: str) -> list[Post]:
    posts: list[Post] = []
    farm = [("x", "f1"), ("x", "f2"), ("tg", "f3")]  # cross-platform: a Telegram channel joins in
    for i in range(5):
        for j, (plat, acc) in enumerate(farm):
            url = f"{pushed_prefix}{i}"
            posts.append(Post(plat, f"l{i}{acc}", acc, planted_time(200 * i + 3 * j), urls=[url],
                              domains=[url.split("/")[2]]))
    for i in range(10):  # must not fire: a news event, strangers share the link within minutes
        posts.append(Post("x", f"n{i}", f"reader{i}", planted_time(5 + 0.5 * i), urls=[viral],
                          domains=[viral.split("/")[2]]))
    posts += background(lambda a, p, t, n: Post("x", p, a, t, urls=[f"https://site{n}.example/x"],
                                                domains=[f"site{n}.example"]))
    return posts
