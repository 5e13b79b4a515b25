"""The default backend end to end on a tiny planted world: topics, the pivot, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockstep.narratives.alerts import check_watches
from lockstep.narratives.pivots import find_pivots
from lockstep.narratives.planted import TOPIC_WORDS, load_planted
from lockstep.narratives.topics import TopicParams, build_topics
from lockstep.narratives.watch import add_watch, list_watches
from lockstep.store import Store

from .test_embed import _need_minilm


@pytest.mark.slow
def test_minilm_topics_pivot_watch_and_cache(tmp_path: Path) -> None:
    _need_minilm()
    with Store(tmp_path / "m.duckdb") as store:
        load_planted(store, seed=7, weeks=8, pivot_week=4, organic_accounts=5, network_size=4,
                     posts_per_account_week=3)
        first = build_topics(store, "planted", TopicParams(backend="minilm", device="cpu"))
        assert first["backend"] == "minilm" and first["model_texts"] == first["unique_texts"]
        assert first["model_texts_cached"] == 0
        n_cached = store.scalar("SELECT count(*) FROM embeddings WHERE backend = 'minilm'")
        assert n_cached == first["unique_texts"]
        pivots = find_pivots(store, "planted")
        assert [p["network_id"] for p in pivots] == [1]
        assert pivots[0]["to_topic"]["label"].split(" / ")[0] in TOPIC_WORDS["ukraine"]
        add_watch(store, "war", query="the war in ukraine and weapons for the army")
        alerts = check_watches(store, "planted", list_watches(store))
        assert [(a["watch"], a["network_id"]) for a in alerts] == [("war", 1)]
        again = build_topics(store, "planted", TopicParams(backend="minilm", device="cpu"))
        assert again["model_texts_cached"] == again["model_texts"]  # the re-run paid nothing
        assert store.scalar("SELECT count(*) FROM embeddings WHERE backend = 'minilm'") == n_cached
