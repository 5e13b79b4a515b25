"""handle_pattern: digit runs, random strings, network templates and repeated renames fire;
ordinary handles and a person who renamed once do not."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from lockstep.signals.apply import compute_account_signals
from lockstep.signals.handle_pattern import handle_shape
from lockstep.store import Store
from tests.signals.planted import DS, START, add_accounts, add_network, add_posts, organic_world


def _rows(store: Store) -> dict[str, tuple[bool, str]]:
    return {a: (f, s) for a, f, s in store.rows(
        "SELECT account_id, flagged, sentence FROM account_signals WHERE signal = 'handle_pattern'")}


def test_shape() -> None:
    assert handle_shape("mary83726154") == "L4D8"
    assert handle_shape("news_bot_77") == "L4S1L3S1D2"


def test_patterns_fire_ordinary_handles_do_not(store: Store) -> None:
    rng = np.random.default_rng(3)
    organic = organic_world(store, rng, n=300)
    add_accounts(store, [
        {"account_id": "digits", "handle": "mary83726154"},
        {"account_id": "random", "handle": "xqzvkwpjtbgh"},
        *[{"account_id": f"tpl{i}", "handle": f"patriot_{['bob', 'amy', 'ted', 'liz', 'ron'][i]}_{1950 + 7 * i}"}
          for i in range(5)],
        {"account_id": "renamed_once", "handle": "jane_doe_new"},
        {"account_id": "renamer", "handle": "handle_c"},
    ])
    add_network(store, 1, [f"tpl{i}" for i in range(5)], 1.0)
    t = [START + timedelta(days=d) for d in range(6)]
    add_posts(store, "renamed_once", t, handle=["jane_doe"] * 3 + ["jane_doe_new"] * 3)
    add_posts(store, "renamer", t, handle=["handle_a", "handle_a", "handle_b", "handle_b", "handle_c", "handle_c"])
    compute_account_signals(store, DS, ["handle_pattern"])
    rows = _rows(store)
    assert rows["digits"][0] and "run of 8 digits" in rows["digits"][1]
    assert rows["random"][0] and "look random" in rows["random"][1]
    assert all(rows[f"tpl{i}"][0] for i in range(5)) and "template L7S1L3S1D4" in rows["tpl0"][1]
    assert rows["renamer"][0] and "changed handle 2 times" in rows["renamer"][1]
    assert not rows["renamed_once"][0]
    assert "renamed 1 time" in rows["renamed_once"][1]
    fp = sum(rows[a][0] for a in organic) / len(organic)
    assert fp <= 0.02, fp


def test_branded_family_is_not_a_template(store: Store) -> None:
    """One outlet's numbered feeds share a shape but hide nothing."""
    rng = np.random.default_rng(13)
    organic_world(store, rng, n=100)
    add_accounts(store, [{"account_id": f"feed{i}", "handle": f"dailyherald_feed{i}"} for i in range(3)])
    add_network(store, 1, [f"feed{i}" for i in range(3)], 1.0)
    compute_account_signals(store, DS, ["handle_pattern"])
    assert not any(_rows(store)[f"feed{i}"][0] for i in range(3))
