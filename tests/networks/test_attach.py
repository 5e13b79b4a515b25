"""Attachment: an account that shares many items with a network as a whole, each with a different
member, joins it; one that shares only popular items, or too few, does not."""

from __future__ import annotations

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.model import Post
from lockstep.networks.attach import ATTACHED, attach_accounts
from lockstep.networks.detect import DetectOptions, run_detection
from lockstep.store import Store
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
