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
