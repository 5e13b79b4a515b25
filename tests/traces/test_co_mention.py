from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_reply import CoMention
from tests.traces._util import significant


def test_mentions_inside_reposts_are_ignored() -> None:
    ex = CoMention.example()
    reposts = [Post(p.platform, p.post_id, p.account_id, p.time, mentions=p.mentions, repost_of_account="x")
               for p in ex.posts]
    assert significant(CoMention(), reposts) == set()


def test_same_handle_on_another_platform_is_another_target() -> None:
    posts = [Post("x" if j % 2 else "tg", f"m{i}{j}", f"b{j}", planted_time(120 * i + j), mentions=[f"j{i}"])
             for i in range(5) for j in range(2)]
    posts += [Post("x", f"o{i}", f"o{i}", planted_time(i * 30), mentions=[f"f{i}"]) for i in range(100)]
    assert significant(CoMention(), posts) == set()
