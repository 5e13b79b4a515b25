from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import background, planted_time
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


def _rotating_campaign() -> list[Post]:
    """Three accounts push #alpha7 and #beta7 in a different combination each time, often with a
    trending tag; background accounts use tags of their own."""
    combos = [["alpha7"], ["beta7"], ["alpha7", "beta7"], ["alpha7", "trend"], ["beta7", "trend"]]
    posts = [Post("x", f"c{i}{j}", a, planted_time(1000 * i + j), hashtags=combos[(i + j) % len(combos)])
             for i in range(16) for j, a in enumerate(["c1", "c2", "c3"])]
    posts += [Post("x", f"b{i}", f"bg{i % 50}", planted_time(31 * i), hashtags=[f"own{i}", "trend"])
              for i in range(500)]
    return posts


def test_single_tags_catch_a_campaign_that_rotates_its_combinations_and_sets_do_not() -> None:
    posts = _rotating_campaign()
    farm = {(("x", "c1"), ("x", "c2")), (("x", "c1"), ("x", "c3")), (("x", "c2"), ("x", "c3"))}
    assert significant(CoHashtag(), posts) == farm
    assert significant(CoHashtag(unit="set"), posts) < farm


def test_sequence_unit_tells_the_order_apart() -> None:
    posts = [Post("x", f"s{i}{j}", a, planted_time(1000 * i + j), hashtags=[f"one{i}", f"two{i}"] if j == 0
                  else [f"two{i}", f"one{i}"]) for i in range(6) for j, a in enumerate(["s1", "s2"])]
    posts += background(lambda a, p, t, n: Post("x", p, a, t, hashtags=[f"tag{n}"]))
    assert significant(CoHashtag(unit="set"), posts) == {(("x", "s1"), ("x", "s2"))}
    assert significant(CoHashtag(unit="sequence"), posts) == set()


def test_unknown_unit_is_refused_with_the_choices() -> None:
    import pytest

    from lockstep.errors import DetectorError

    with pytest.raises(DetectorError, match="tag, set, sequence"):
        significant(CoHashtag(unit="bag"), _rotating_campaign())
