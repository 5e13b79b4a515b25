"""The store tables the narratives stage owns, created on demand with ``Store.ensure_tables``.

Kept here rather than in ``store.TABLES`` so the stage can change its own shapes without
touching the shared foundation.
"""

from __future__ import annotations

from lockstep.store import Store

NARRATIVE_TABLES: dict[str, str] = {
    # Embeddings are expensive (a model run per text): keyed on backend + normalized-text hash.
    "embeddings": """
        backend VARCHAR NOT NULL, text_hash VARCHAR NOT NULL, vector FLOAT[] NOT NULL,
        PRIMARY KEY (backend, text_hash)""",
    "narrative_runs": """
        dataset VARCHAR NOT NULL, run_id VARCHAR NOT NULL, started_at TIMESTAMP,
        finished_at TIMESTAMP, fingerprint VARCHAR, params JSON, figures JSON""",
    "topics": """
        dataset VARCHAR NOT NULL, topic_id INTEGER NOT NULL, label VARCHAR, terms VARCHAR[],
        size BIGINT, example_post_ids VARCHAR[], example_texts VARCHAR[], backend VARCHAR""",
    # ``method`` says how the topic was decided: 'cluster' (embedded by the model and clustered)
    # or 'propagated' (assigned from its TF-IDF features by a classifier trained on the former).
    "post_topics": """
        dataset VARCHAR NOT NULL, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL, time TIMESTAMP NOT NULL, text_hash VARCHAR,
        topic_id INTEGER NOT NULL, confidence DOUBLE, method VARCHAR""",
    # ``network_id`` is NULL for the whole dataset.
    "topic_volume": """
        dataset VARCHAR NOT NULL, topic_id INTEGER NOT NULL, network_id INTEGER, period VARCHAR NOT NULL,
        bucket TIMESTAMP NOT NULL, posts BIGINT NOT NULL""",
    "watches": """
        name VARCHAR PRIMARY KEY, query VARCHAR, examples VARCHAR[], threshold DOUBLE,
        created_at TIMESTAMP DEFAULT current_timestamp""",
    "watch_alerts": """
        dataset VARCHAR NOT NULL, watch VARCHAR NOT NULL, network_id INTEGER NOT NULL,
        time TIMESTAMP NOT NULL, window_end TIMESTAMP, matches BIGINT, posts BIGINT, share DOUBLE,
        baseline_share DOUBLE, p_value DOUBLE, q_value DOUBLE, post_ids VARCHAR[], sentence VARCHAR,
        checked_at TIMESTAMP DEFAULT current_timestamp""",
}


def ensure_narrative_tables(store: Store) -> None:
    """Create this stage's tables (and the foundation's) where missing."""
    store.ensure_tables()
    store.ensure_tables(NARRATIVE_TABLES)
