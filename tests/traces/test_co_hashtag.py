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
    """Three accounts push #alpha7 or #beta7 (alternating actions), each in its own combination:
    the tag alone, with a trending tag, or with two popular tags; background accounts use tags of
    their own and the popular ones."""
    posts = []
    for i in range(16):
        main = "alpha7" if i % 2 else "beta7"
        combos = [[main], [main, "trend"], ["news", main, "trend"]]
        posts += [Post("x", f"c{i}{j}", a, planted_time(1000 * i + j), hashtags=combos[j])
                  for j, a in enumerate(["c1", "c2", "c3"])]
    posts += [Post("x", f"b{i}", f"bg{i % 50}", planted_time(31 * i), hashtags=[f"own{i}", "trend", "news"])
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


def test_tag_unit_takes_one_event_per_post_its_rarest_tag() -> None:
    from lockstep.engine.duckdb import DuckDBEngine
    from lockstep.traces.base import Example

    posts = [Post("x", "p1", "a", planted_time(0), hashtags=["Common", "rare1"]),
             Post("x", "p2", "b", planted_time(1), hashtags=["common", "rare2", "rare1"]),
             Post("x", "p3", "c", planted_time(2), hashtags=["common"]),
             Post("x", "p4", "d", planted_time(3), hashtags=["common", "rare2"])]
    engine = DuckDBEngine()
    engine.write("posts", Example(posts).table())
    rows = engine.sql(f"SELECT post_id, item FROM ({CoHashtag().events_sql(engine, 'posts')}) e ORDER BY post_id")
    # common: 4 posts, rare1: 2, rare2: 2 (tie broken by the tag)
    assert rows.to_pylist() == [{"post_id": "p1", "item": "#rare1"}, {"post_id": "p2", "item": "#rare1"},
                                {"post_id": "p3", "item": "#common"}, {"post_id": "p4", "item": "#rare2"}]
