"""co_reply and co_mention: accounts that reply to the same posts, or mention the same accounts,
within a window.

Reply brigades pile onto one target's posts; mention campaigns tag the same journalists or
politicians. Targets are per platform (a handle on X is not the same account on Telegram).
"""

from __future__ import annotations

from typing import ClassVar

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace

_TRIO = {(("x", "b1"), ("x", "b2")), (("x", "b1"), ("x", "b3")), (("x", "b2"), ("x", "b3"))}


class CoReply(ItemTrace):
    """Co-replying to the same posts."""

    name: ClassVar[str] = "co_reply"
    action: ClassVar[str] = "replied to the same posts"
    item_noun: ClassVar[str] = "posts replied to"
    default_window: ClassVar[str] = "30m"
    # Reply targets are posts of one platform: judge chance within that platform's activity.
    items_per_platform: ClassVar[bool] = True

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            "platform || '/' || reply_to_post AS item, "
            "'reply to ' || coalesce(reply_to_account, '?') || ' ' || reply_to_post AS label "
            f"FROM {posts} WHERE reply_to_post IS NOT NULL"
        )

    @staticmethod
    def example() -> Example:
        posts = [Post("x", f"r{i}{a}", a, planted_time(120 * i + j), reply_to_post=f"target{i}",
                      reply_to_account="mp")
                 for i in range(5) for j, a in enumerate(["b1", "b2", "b3"])]
        posts += [Post("x", f"v{i}", f"s{i}", planted_time(2 + 0.2 * i), reply_to_post="hot",
                       reply_to_account="celebrity") for i in range(10)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, reply_to_post=f"t{n}"))
        return Example(posts, set(_TRIO))


class CoMention(ItemTrace):
    """Co-mentioning the same accounts."""

    name: ClassVar[str] = "co_mention"
    action: ClassVar[str] = "mentioned the same accounts"
    item_noun: ClassVar[str] = "accounts mentioned"
    default_window: ClassVar[str] = "30m"
    # A mentioned handle names an account of the mentioning post's platform.
    items_per_platform: ClassVar[bool] = True

    def events_sql(self, engine: Engine, posts: str) -> str:
        return (
            f"SELECT platform, account_id, post_id, ts, platform || '/@' || m AS item, '@' || m AS label "
            f"FROM (SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"      {engine.explode('mentions')} AS m FROM {posts} "
            "      WHERE mentions IS NOT NULL AND repost_of_post IS NULL AND repost_of_account IS NULL) e"
        )

    @staticmethod
    def example() -> Example:
        posts = [Post("x", f"m{i}{a}", a, planted_time(120 * i + j), mentions=[f"journalist{i}"])
                 for i in range(5) for j, a in enumerate(["b1", "b2", "b3"])]
        posts += [Post("x", f"v{i}", f"s{i}", planted_time(2 + 0.2 * i), mentions=["president"])
                  for i in range(10)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, mentions=[f"friend{n}"]))
        return Example(posts, set(_TRIO))
