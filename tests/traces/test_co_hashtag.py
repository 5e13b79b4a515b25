from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_hashtag import CoHashtag
from tests.traces._util import accounts_in, significant


def test_campaign_fires_and_fans_do_not() -> None:
    ex = CoHashtag.example()
    got = significant(CoHashtag(), ex.posts)
    assert got == ex.expected
    assert not any(a.startswith("fan") for a in accounts_in(got))


def test_tag_order_and_case_do_not_matter() -> None:
    ex = CoHashtag.example()
    flipped = [Post(p.platform, p.post_id, p.account_id, p.time, hashtags=list(reversed(p.hashtags or [])))
               for p in ex.posts]
    assert significant(CoHashtag(), flipped) == ex.expected


def test_fans_using_one_tag_all_month_do_not_fire() -> None:
    # 30 fans each use #band 40 times at their own times over 30 days.
    posts = [Post("x", f"f{a}p{i}", f"fan{a}", planted_time((a * 7919 + i * 104729) % 43200), hashtags=["band"])
             for a in range(30) for i in range(40)]
    posts += [Post("x", f"o{i}", f"o{i}", planted_time(i * 11), hashtags=[f"t{i}"]) for i in range(200)]
    assert significant(CoHashtag(), posts) == set()
