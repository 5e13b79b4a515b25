"""Topics: planted narratives are recovered, labelled by their own words, stably for a seed."""

from __future__ import annotations

from pathlib import Path

from lockstep.narratives.planted import TOPIC_WORDS, load_planted
from lockstep.narratives.topics import TopicParams, build_topics, needs_refresh
from lockstep.store import Store


def _topics(store: Store) -> list[tuple[int, str, int]]:
    return store.rows("SELECT topic_id, label, size FROM topics WHERE dataset = 'planted' ORDER BY topic_id")


def test_planted_topics_are_recovered_with_their_words(planted_store: Store) -> None:
    topics = [t for t in _topics(planted_store) if t[0] >= 0]
    assert len(topics) == len(TOPIC_WORDS)
    for _, label, _ in topics:
        words = label.split(" / ")
        owners = {name for name, vocab in TOPIC_WORDS.items() if set(words) <= set(vocab)}
        assert len(owners) == 1, f"label {label!r} mixes topics"
    # Each topic's posts are (almost) all of one planted topic: purity against the generator.
    rows = planted_store.rows(
        "SELECT pt.topic_id, p.text FROM post_topics pt JOIN posts p USING (dataset, platform, post_id)")
    right = 0
    for tid, text in rows:
        label = dict((t[0], t[1]) for t in topics).get(tid, "")
        owner = next(n for n, v in TOPIC_WORDS.items() if set(label.split(" / ")) <= set(v))
        right += sum(w in TOPIC_WORDS[owner] for w in text.split()) >= 6
    assert right / len(rows) > 0.98


def test_labels_stable_for_a_seed_and_rerun_is_skipped(tmp_path: Path, planted_store: Store) -> None:
    with Store(tmp_path / "again.duckdb") as other:
        load_planted(other, seed=3)
        build_topics(other, "planted", TopicParams(backend="tfidf", seed=0))
        assert _topics(other) == _topics(planted_store)
        assert other.rows("SELECT post_id, topic_id FROM post_topics ORDER BY post_id") == \
            planted_store.rows("SELECT post_id, topic_id FROM post_topics ORDER BY post_id")
        assert not needs_refresh(other, "planted", TopicParams(backend="tfidf", seed=0))
        assert needs_refresh(other, "planted", TopicParams(backend="tfidf", seed=1))
        other.con.execute("DELETE FROM members WHERE network_id = 3")  # a new detection run
        assert needs_refresh(other, "planted", TopicParams(backend="tfidf", seed=0))


def test_volume_overall_and_per_network(planted_store: Store) -> None:
    total = planted_store.scalar("SELECT count(*) FROM post_topics")
    weekly = planted_store.scalar("SELECT sum(posts) FROM topic_volume WHERE network_id IS NULL AND period = 'week'")
    assert weekly == total
    net1 = planted_store.rows(
        "SELECT t.label, sum(v.posts) FROM topic_volume v JOIN topics t USING (dataset, topic_id) "
        "WHERE v.network_id = 1 AND v.period = 'day' GROUP BY 1")
    assert sum(n for _, n in net1) == 300
    assert {lab.split(" / ")[0] in TOPIC_WORDS["football"] + TOPIC_WORDS["ukraine"] for lab, _ in net1} == {True}


def test_examples_are_posts_of_their_topic(planted_store: Store) -> None:
    for tid, ids in planted_store.rows("SELECT topic_id, example_post_ids FROM topics WHERE topic_id >= 0"):
        assert ids
        got = planted_store.rows(f"SELECT DISTINCT topic_id FROM post_topics WHERE post_id IN "
                                 f"({', '.join('?' * len(ids))})", list(ids))
        assert got == [(tid,)]
