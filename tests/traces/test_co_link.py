from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_link import CoLink
from tests.traces._util import accounts_in, significant


def test_farm_fires_across_platforms_and_news_readers_do_not() -> None:
    ex = CoLink.example()
    got = significant(CoLink(), ex.posts)
    assert got == ex.expected
    assert ("tg", "f3") in {acc for pair in got for acc in pair}  # accounts stay per platform
    assert not any(a.startswith("reader") for a in accounts_in(got))


def test_viral_url_shared_by_thousands_is_bounded_and_silent() -> None:
    posts = [Post("x", f"v{i}", f"u{i}", planted_time(i * 0.01), urls=["https://news.example/big"])
             for i in range(3000)]
    posts += [Post("x", f"w{i}", f"u{i}", planted_time(100 + i * 0.01), urls=["https://news.example/big2"])
              for i in range(3000)]
    posts += [Post("x", f"z{i}", f"u{i}", planted_time(200 + i * 0.01), urls=["https://news.example/big3"])
              for i in range(3000)]
    got = significant(CoLink(max_neighbors=8), posts)
    assert got == set()


def test_outside_the_window_does_not_count() -> None:
    ex = CoLink.example()
    spread = [Post(p.platform, p.post_id, p.account_id, planted_time(p.time.minute + 60 * 24 * (k % 7)),
                   urls=p.urls, domains=p.domains) if p.account_id in {"f1", "f2", "f3"} else p
              for k, p in enumerate(ex.posts)]
    assert significant(CoLink(window="5m", slow_factor=1), spread) == set()


def test_auto_window_is_estimated_from_the_data() -> None:
    from lockstep.testing.checks import run_on
    from lockstep.traces.base import META_WINDOW, Example

    ex = CoLink.example()
    edges = run_on(CoLink(window="auto"), Example(ex.posts).table())
    window = float(edges.schema.metadata[META_WINDOW])
    # The first reshares of the planted links come 3-6 minutes after the first share (and the news
    # readers' within seconds): the estimated interval lies between.
    assert 1 <= window <= 600


def test_links_shared_once_each_but_hours_apart_fire() -> None:
    """Low-and-slow: each of three accounts shares each of six rare links once, the shares of one
    link spread over three hours (inside the slow scale). That they all took up the same rare
    links is the evidence; their spread in time must not be charged against them."""
    farm = ["s1", "s2", "s3"]
    posts = [Post("x", f"s{i}{a}", a, planted_time(1440 * i + 60 * (j * 1.5)), urls=[f"https://slow.example/{i}"],
                  domains=["slow.example"]) for i in range(6) for j, a in enumerate(farm)]
    posts += [Post("x", f"b{i}", f"bg{i % 40}", planted_time(37 * i), urls=[f"https://own{i}.example/x"],
                   domains=[f"own{i}.example"]) for i in range(400)]
    got = significant(CoLink(), posts)
    assert got == {(("x", "s1"), ("x", "s2")), (("x", "s1"), ("x", "s3")), (("x", "s2"), ("x", "s3"))}
    # Strong enough to survive the false-discovery cut over a real dataset's hundreds of millions
    # of pairs (charging the timing coincidence of once-used links gave p ~ 2e-6 here).
    from lockstep.testing.checks import run_on
    from lockstep.traces.base import Example

    edges = run_on(CoLink(), Example(posts).table()).to_pandas()
    assert (edges["p_value"] < 1e-9).all() and len(edges) == 3
