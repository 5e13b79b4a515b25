"""Watchlists: an alert on a planted move into a watched narrative, none on organic chatter."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lockstep.errors import ConfigError, SourceError
from lockstep.narratives.alerts import check_watches
from lockstep.narratives.planted import START
from lockstep.narratives.watch import add_watch, list_watches, read_examples, remove_watch
from lockstep.store import Store


def test_alert_on_planted_move_not_on_chatter(planted_store: Store) -> None:
    add_watch(planted_store, "ukraine_war", query="the war in ukraine: weapons, military aid, russia")
    alerts = check_watches(planted_store, "planted", list_watches(planted_store))
    # Network 1 moved in at week 5; network 3 talked about it all along (its own baseline);
    # organic accounts chat about it all along but are no network.
    assert [(a["watch"], a["network_id"]) for a in alerts] == [("ukraine_war", 1)]
    a = alerts[0]
    assert abs(datetime.fromisoformat(a["time"].rstrip("Z")) - (START + timedelta(weeks=5))) <= timedelta(weeks=1)
    assert a["share"] > a["baseline_share"] + 0.1
    texts = [t for (t,) in planted_store.rows(
        f"SELECT text FROM posts WHERE post_id IN ({', '.join('?' * len(a['example_post_ids']))})",
        a["example_post_ids"])]
    assert texts and all("ukraine" in t or "russia" in t or "war" in t or "weapons" in t for t in texts)
    assert planted_store.scalar("SELECT count(*) FROM watch_alerts") == 1


def test_watch_on_a_topic_a_network_always_had_is_silent(planted_store: Store, tmp_path: Path) -> None:
    ex = tmp_path / "food.txt"
    ex.write_text("# examples\ncheese pasta recipe for dinner\n\nchocolate dessert from the oven\n", encoding="utf-8")
    add_watch(planted_store, "food", examples=read_examples(ex))
    assert check_watches(planted_store, "planted", list_watches(planted_store)) == []


def test_watch_management_errors(planted_store: Store, tmp_path: Path) -> None:
    add_watch(planted_store, "w1", query="football")
    with pytest.raises(ConfigError, match="exists already"):
        add_watch(planted_store, "w1", query="other")
    add_watch(planted_store, "w1", query="other", replace=True)
    assert [w.query for w in list_watches(planted_store)] == ["other"]
    with pytest.raises(ConfigError, match="needs --query"):
        add_watch(planted_store, "w2")
    with pytest.raises(ConfigError, match="Watch names"):
        add_watch(planted_store, "bad name", query="x")
    remove_watch(planted_store, "w1")
    with pytest.raises(ConfigError, match="No watch named 'w1'"):
        remove_watch(planted_store, "w1")
    with pytest.raises(SourceError, match="does not exist"):
        read_examples(tmp_path / "missing.txt")
