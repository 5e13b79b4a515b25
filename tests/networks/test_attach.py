"""Attachment: an account that shares many items with a network as a whole, each with a different
member, joins it; one that shares only popular items, or too few, does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scipy import stats

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.model import Post
from lockstep.networks.attach import ATTACHED, KINDS, attach_accounts
from lockstep.networks.detect import DetectOptions, run_detection
from lockstep.store import Store
from lockstep.testing.shuffle import curveball
from lockstep.testing.synth import planted_network
from lockstep.traces.base import Example, background, planted_time

RING = [f"m{i}" for i in range(8)]


def _posts() -> list[Post]:
    """Eight members post three copied texts at once (a pair-trace network); each member also has
    two tags of its own. ``amp`` uses one tag of each member, days apart: no pair of it shares more
    than one item. ``fan`` uses eight tags everyone uses; ``few`` three of the members' tags."""
    posts = [Post("x", f"{a}c{i}", a, planted_time(600 * i + j * 0.1), text=f"copied text number {i} for all")
             for i in range(3) for j, a in enumerate(RING)]
    posts += [Post("x", f"{a}t{j}", a, planted_time(2000 + 90 * i + 7 * j), hashtags=[f"tag{i}{j}"])
              for i, a in enumerate(RING) for j in range(2)]
    posts += [Post("x", f"amp{i}", "amp", planted_time(1440 * i + 333), hashtags=[f"tag{i}0"]) for i in range(8)]
    posts += [Post("x", f"few{i}", "few", planted_time(1440 * i + 500), hashtags=[f"tag{i}1"]) for i in range(3)]
    popular = [f"pop{i}" for i in range(8)]
    posts += [Post("x", f"p{a}{i}", f"crowd{a}", planted_time(97 * a + i), hashtags=[popular[i]])
              for a in range(30) for i in range(8)]
    posts += [Post("x", f"fan{i}", "fan", planted_time(3000 + i), hashtags=[popular[i]]) for i in range(8)]
    # the members use the popular tags too, so the fan shares eight items with the network
    posts += [Post("x", f"{a}p{i}", a, planted_time(4000 + i), hashtags=[popular[i]]) for a in RING[:2] for i in range(8)]
    posts += background(lambda a, p, t, n: Post("x", p, a, t, hashtags=[f"solo{n}"], text=f"own words {n} here"))
    return posts


def test_an_account_sharing_many_items_with_the_network_joins_it() -> None:
    engine = DuckDBEngine()
    engine.write("posts", Example(_posts()).table())
    found = attach_accounts(engine, "posts", {1: [("x", a) for a in RING]}, fdr=0.01)
    assert [(a.network, a.account_id, a.kind, a.shared) for a in found] == [(1, "amp", "hashtags", 8)]
    a = found[0]
    assert a.expected < 1 and a.q_value <= 0.01
    assert sorted(label for label, _, _ in a.evidence) == [f"#tag{i}0" for i in range(8)]
    assert {post for _, post, _ in a.evidence} == {f"amp{i}" for i in range(8)}


def test_nothing_joins_below_min_shared_or_without_networks() -> None:
    engine = DuckDBEngine()
    engine.write("posts", Example(_posts()).table())
    assert attach_accounts(engine, "posts", {1: [("x", a) for a in RING]}, fdr=0.01, min_shared=9) == []
    assert attach_accounts(engine, "posts", {}, fdr=0.01) == []


def test_detect_grows_the_network_and_says_why(store: Store) -> None:
    store.append("posts", Example(_posts()).table("ex"))
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    members = dict(store.rows("SELECT account_id, degree FROM members WHERE dataset = 'ex'"))
    assert set(members) == {*RING, "amp"} and members["amp"] == 0
    assert store.scalar("SELECT size FROM networks WHERE dataset = 'ex'") == 9
    why = store.scalar("SELECT why FROM networks WHERE dataset = 'ex'")
    assert "1 more account joined: each uses at least 8 of the network's hashtags" in why
    assert store.scalar(f"SELECT COUNT(*) FROM evidence WHERE dataset = 'ex' AND trace = '{ATTACHED}'") == 8
    # lockstep scores ranks it like a member: its attachment is evidence, not a bare membership
    score, evidence, best, network = store.rows(
        "SELECT score, evidence, best_trace, network_id FROM account_scores WHERE dataset = 'ex' AND account_id = 'amp'")[0]
    assert evidence > 0 and score > 0 and best == ATTACHED and network is not None
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False, attach_min_shared=0))
    assert store.scalar("SELECT COUNT(*) FROM members WHERE dataset = 'ex'") == len(RING)


def test_the_count_is_binomial_and_only_testable_accounts_count() -> None:
    """The p-value is the configuration model's binomial tail: each of ``amp``'s 8 items lands in
    the network's items with probability ``mass / E`` (lighter-tailed than the Poisson of the same
    mean). Only accounts holding ``min_shared`` (5) items within the cap are hypotheses: ``amp`` and
    the 40 background accounts (5 tags each); not ``few`` (3 items), nor ``fan`` and the crowd,
    whose tags are all above the cap (33 of 81 accounts use them). Before, all 81 accounts counted,
    twice (two kinds)."""
    engine = DuckDBEngine()
    engine.write("posts", Example(_posts()).table())
    a = attach_accounts(engine, "posts", {1: [("x", m) for m in RING]}, fdr=1.0)
    amp = next(x for x in a if x.account_id == "amp")
    # Items up to the deciding class: amp's 8 tags are each used by 2 accounts (class 1).
    assert amp.shared == 8 and 0 < amp.expected < 8
    share = amp.expected / 8
    assert amp.p_value <= stats.binom.sf(7, 8, share) * 8  # times at most 8 popularity classes
    assert amp.p_value < stats.poisson.sf(7, amp.expected)
    assert min(x.p_value for x in a) == amp.p_value
    assert amp.q_value == pytest.approx(amp.p_value * 41)


@pytest.fixture(scope="module")
def shuffled() -> tuple[DuckDBEngine, dict[int, list[tuple[str, str]]]]:
    """A 30k-post synthetic crowd whose hashtag and link tables are curveball-shuffled (every
    account keeps its number of distinct items, every item its number of accounts), and the
    planted operations' members as networks: the null of the attachment test, exactly."""
    planted = planted_network(seed=3, posts=30_000)
    src = DuckDBEngine()
    src.write("posts", planted.posts)
    posts: list[Post] = []
    for kind, cls in KINDS:
        table = src.sql(f"SELECT DISTINCT platform, account_id, item FROM ({cls().items_sql(src, 'posts')}) q")
        out = curveball(table, seed=1)
        for i, (p, a, item) in enumerate(zip(*(out.column(c).to_pylist() for c in ("platform", "account_id", "item")),
                                             strict=True)):
            posts.append(Post(p, f"{kind}{i}", a, planted_time(i % 40_000),
                              **({"hashtags": [item]} if kind == "hashtags" else {"urls": [item]})))
    engine = DuckDBEngine()
    engine.write("posts", Example(posts).table())
    truth = planted.truth.to_pandas()
    groups = {int(g): list(zip(d["platform"], d["account_id"], strict=True))
              for g, d in truth[truth["network_id"] > 0].groupby("network_id")}
    return engine, groups


def test_calibrated_on_a_degree_preserving_shuffle(shuffled: tuple[DuckDBEngine, dict]) -> None:
    """On the shuffle no account joins any network even at a lax FDR of 0.2; an account planted to
    use 8 of one network's rarest hashtags does (so the check is not vacuous)."""
    engine, groups = shuffled
    assert len(groups) >= 5
    judged = attach_accounts(engine, "posts", groups, fdr=1.0)
    assert len(judged) > 20  # accounts with 5 or more items in some network's set were judged
    assert min(a.p_value for a in judged) > 1e-3
    assert attach_accounts(engine, "posts", groups, fdr=0.2) == []
    g, members = next(iter(sorted(groups.items())))
    names = ", ".join(f"'{a}'" for _, a in members)
    rare = engine.sql(
        "WITH e AS (SELECT account_id, lower(unnest(hashtags)) AS item FROM posts), "
        "k AS (SELECT item, COUNT(DISTINCT account_id) AS k FROM e GROUP BY item) "
        f"SELECT DISTINCT e.item, k.k FROM e JOIN k USING (item) WHERE e.account_id IN ({names}) "
        "ORDER BY k.k, e.item LIMIT 8").column("item").to_pylist()
    assert len(rare) == 8
    engine.write("amp", Example([Post(members[0][0], f"amp{i}", "amp", planted_time(i), hashtags=[t])
                                 for i, t in enumerate(rare)]).table())
    engine.execute("CREATE OR REPLACE TABLE both_posts AS SELECT * FROM posts UNION ALL BY NAME SELECT * FROM amp")
    found = attach_accounts(engine, "both_posts", groups, fdr=0.01)
    assert [(a.network, a.account_id) for a in found] == [(g, "amp")]


def test_a_pair_partner_of_an_attached_account_follows_it(store: Store) -> None:
    """``pal`` and ``amp`` post six texts together (a significant pair, too small to be a network);
    once ``amp`` is attached, ``pal`` is tied to the network by that edge and joins it, with the
    pair's posts as evidence. ``lone`` and ``solo`` form a pair next to no network and stay out."""
    posts = _posts()
    words = ["harbour", "lantern", "granite", "meadow", "velvet", "thunder"]
    lag = timedelta(days=3)
    for i, w in enumerate(words):
        t = planted_time(5000 + 600 * i)
        posts += [Post("x", f"ap{i}", "amp", t, text=f"{w} is what we both write about today, {w}!"),
                  Post("x", f"pp{i}", "pal", t, text=f"{w} is what we both write about today, {w}!"),
                  Post("x", f"lp{i}", "lone", t + lag, text=f"{w.upper()} again: other pair"),
                  Post("x", f"sp{i}", "solo", t + lag, text=f"{w.upper()} again: other pair")]
    store.append("posts", Example(posts).table("ex"))
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    members = dict(store.rows("SELECT account_id, degree FROM members WHERE dataset = 'ex'"))
    assert set(members) == {*RING, "amp", "pal"} and members["pal"] == 1
    assert store.scalar("SELECT size FROM networks WHERE dataset = 'ex'") == 10
    why = store.scalar("SELECT why FROM networks WHERE dataset = 'ex'")
    assert "1 more account joined through a significant pair edge with an account that joined (co_text)" in why
    ev = set(store.rows("SELECT account_id, post_id FROM evidence WHERE dataset = 'ex' AND trace = 'co_text' "
                        "AND account_id IN ('amp', 'pal')"))
    assert all(p.startswith("pp") for a, p in ev if a == "pal") and sum(a == "pal" for a, _ in ev) >= 3
    assert sum(a == "amp" and p.startswith("ap") for a, p in ev) >= 3
    pair = store.rows("SELECT account_a, account_b FROM edges WHERE dataset = 'ex' AND account_a IN ('lone', 'solo')")
    assert pair  # the other pair is significant too, yet joins nothing
