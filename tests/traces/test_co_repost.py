from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_repost import CoRepost
from tests.traces._util import accounts_in, significant


def test_planted_ring_fires_and_viral_fans_do_not() -> None:
    ex = CoRepost.example()
    got = significant(CoRepost(), ex.posts)
    assert got == ex.expected
    assert not accounts_in(got) & {f"fan{i}" for i in range(8)}
    assert not accounts_in(got) & {"busy1", "busy2"}


def test_too_few_shared_posts_is_not_enough() -> None:
    ex = CoRepost.example()
    few = [p for p in ex.posts if not (p.repost_of_post or "").startswith("seed") or p.repost_of_post in {"seed0", "seed1"}]
    assert significant(CoRepost(), few) == set()


def test_retweet_without_post_id_uses_account_and_text() -> None:
    posts = [Post("x", f"{a}{i}", a, planted_time(50 * i + j), text=f"RT @src: claim number {i}",
                  repost_of_account="src") for i in range(8) for j, a in enumerate(["a", "b", "c"])]
    posts += [Post("x", f"o{i}", f"o{i % 30}", planted_time(i * 37), text=f"RT @x{i}: t", repost_of_account=f"x{i}")
              for i in range(300)]
    assert accounts_in(significant(CoRepost(), posts)) == {"a", "b", "c"}
