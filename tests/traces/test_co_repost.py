from __future__ import annotations

import random

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


def _small_platform_fans_and_ring() -> list[Post]:
    """Heavy reposters of a small platform ("tg") meeting on its few popular posts within
    minutes, beside a big platform ("x") of ordinary reposters, plus a three-account ring on tg."""
    rng = random.Random(7)
    posts: list[Post] = []
    fans = [f"fan{i}" for i in range(30)]
    for i in range(30):  # each popular tg post reposted by 20 of the 30 fans in its first minutes
        t0 = 4000 + 97 * i
        for acc in rng.sample(fans, 20):
            posts.append(Post("tg", f"v{i}{acc}", acc, planted_time(t0 + rng.expovariate(1 / 60)),
                              repost_of_post=f"pop{i}", repost_of_account="star"))
    for n, acc in enumerate(fans * 5):  # and some reposts of their own
        posts.append(Post("tg", f"u{n}", acc, planted_time(rng.uniform(0, 2880)), repost_of_post=f"tgu{n}",
                          repost_of_account=f"o{n}"))
    for i in range(6):  # the ring: three accounts repost six seed posts within a minute
        for j, acc in enumerate(["r1", "r2", "r3"]):
            posts.append(Post("tg", f"rp{i}{acc}", acc, planted_time(6000 + 60 * i + 0.3 * j),
                              repost_of_post=f"seed{i}", repost_of_account="seed"))
    for n in range(12000):  # the big platform: 1,200 accounts reposting 4,000 posts over two days
        posts.append(Post("x", f"x{n}", f"xa{n % 1200}", planted_time(rng.uniform(0, 2880)),
                          repost_of_post=f"xp{rng.randrange(4000)}", repost_of_account="someone"))
    return posts


def test_heavy_reposters_of_a_small_platform_are_judged_within_it() -> None:
    # A reposted post belongs to one platform, so the fans can only meet on tg's thirty popular
    # posts; against all events of both platforms their meetings would look rare.
    got = significant(CoRepost(), _small_platform_fans_and_ring())
    assert not accounts_in(got) & {f"fan{i}" for i in range(30)}
    assert got == {(("tg", "r1"), ("tg", "r2")), (("tg", "r1"), ("tg", "r3")), (("tg", "r2"), ("tg", "r3"))}
