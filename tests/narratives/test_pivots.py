"""Pivots: a planted move is found within one window; unchanged networks raise none."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lockstep.errors import ConfigError
from lockstep.narratives.pivots import PivotParams, find_pivots
from lockstep.narratives.planted import START, TOPIC_WORDS, load_planted
from lockstep.narratives.topics import TopicParams, build_topics
from lockstep.store import Store


def test_planted_pivot_found_within_one_window(planted_store: Store) -> None:
    found = find_pivots(planted_store, "planted")
    assert [p["network_id"] for p in found] == [1]
    p = found[0]
    planted = START + timedelta(weeks=5)
    assert abs(datetime.fromisoformat(p["time"].rstrip("Z")) - planted) <= timedelta(weeks=1)
    assert p["time"].endswith("Z")
    assert p["from_topic"]["label"].split(" / ")[0] in TOPIC_WORDS["football"]
    assert p["to_topic"]["label"].split(" / ")[0] in TOPIC_WORDS["ukraine"]
    assert p["evidence_post_ids"]
    ev = planted_store.rows(
        f"SELECT DISTINCT pt.topic_id, m.network_id FROM post_topics pt JOIN members m USING (platform, account_id) "
        f"WHERE pt.post_id IN ({', '.join('?' * len(p['evidence_post_ids']))})", p["evidence_post_ids"])
    assert ev == [(p["to_topic"]["id"], 1)]


@pytest.mark.parametrize("seed", [11, 12])
def test_pivot_at_another_week_and_seed(tmp_path: Path, seed: int) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        load_planted(store, seed=seed, weeks=12, pivot_week=8)
        build_topics(store, "planted", TopicParams(backend="tfidf", seed=seed))
        found = find_pivots(store, "planted", PivotParams(window_days=7))
        assert [p["network_id"] for p in found] == [1]
        when = datetime.fromisoformat(found[0]["time"].rstrip("Z"))
        assert abs(when - (START + timedelta(weeks=8))) <= timedelta(weeks=1)


def test_steady_networks_raise_nothing_over_many_windows(tmp_path: Path) -> None:
    """Networks 2 and 3 keep one mix for 20 weeks (with daily windows: ~140 boundaries each)."""
    with Store(tmp_path / "s.duckdb") as store:
        load_planted(store, seed=5, weeks=20, pivot_week=99)
        build_topics(store, "planted", TopicParams(backend="tfidf"))
        assert find_pivots(store, "planted", PivotParams(window_days=7)) == []
        assert find_pivots(store, "planted", PivotParams(window_days=3, min_posts=10)) == []


def test_bad_window_is_a_clear_error(planted_store: Store) -> None:
    with pytest.raises(ConfigError, match="--window"):
        find_pivots(planted_store, "planted", PivotParams(window_days=0))


def test_a_pivot_inside_a_window_is_placed_to_the_hour(tmp_path: Path) -> None:
    """Planted 3 days and 7 hours into a week: the window boundary is 79 h off, the change point is not."""
    from lockstep.narratives.planted import pivot_time

    with Store(tmp_path / "s.duckdb") as store:
        load_planted(store, seed=4, weeks=12, pivot_week=6, pivot_offset_hours=79)
        build_topics(store, "planted", TopicParams(backend="tfidf", seed=4))
        found = find_pivots(store, "planted")
    assert [p["network_id"] for p in found] == [1]
    p, planted = found[0], pivot_time(6, 79)
    when = datetime.fromisoformat(p["time"].rstrip("Z"))
    assert when.minute == 0 and abs(when - planted) <= timedelta(hours=6)
    lo, hi = (datetime.fromisoformat(t.rstrip("Z")) for t in p["interval"])
    assert lo <= planted <= hi and hi - lo <= timedelta(days=1)
    assert abs(datetime.fromisoformat(p["window_boundary"].rstrip("Z")) - planted) > timedelta(hours=24)
    assert "90% interval" in p["sentence"] and p["window_days"] == 7


def test_change_point_of_a_noisy_mix_and_its_interval() -> None:
    import numpy as np

    from lockstep.narratives.changepoint import change_point

    rng = np.random.default_rng(0)
    times = np.datetime64("2024-03-01T00:00") + np.sort(rng.integers(0, 10 * 86400, 600)).astype("timedelta64[s]")
    change = np.datetime64("2024-03-06T13:00")
    p_after = np.where(times < change, 0.2, 0.7)  # topic 1's share rises from 20% to 70%
    topics = (rng.random(600) < p_after).astype(int)
    cp = change_point(times, topics)
    assert cp is not None
    truth = change.astype("datetime64[us]").astype(datetime)
    assert abs(cp.time - truth) <= timedelta(hours=12)
    assert cp.low <= truth <= cp.high
    assert change_point(times[:4], topics[:4]) is None  # too few posts to split


def test_default_window_adapts_to_the_span() -> None:
    from lockstep.narratives.pivots import auto_window

    assert [auto_window(d) for d in (3, 30, 70, 400)] == [1.0, 3.0, 7.0, 7.0]
