"""Ingesting the same file twice adds nothing: no posts, no accounts, no quarantine rows.

Runs over one committed fixture per adapter (found by content detection), so adapters added
later are covered without editing this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.ingest.fixtures import fixtures_by_adapter

CASES = [(name, paths[0]) for name, paths in sorted(fixtures_by_adapter().items())]


def _snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {
        "posts": store.rows("SELECT * FROM posts ORDER BY ALL"),
        "accounts": store.rows("SELECT * FROM accounts ORDER BY ALL"),
        "quarantine": store.rows("SELECT * EXCLUDE (ingested_at) FROM quarantine ORDER BY ALL"),
    }


@pytest.mark.parametrize(("name", "path"), CASES, ids=[c[0] for c in CASES])
def test_second_ingest_adds_nothing(store: Store, name: str, path: Path) -> None:
    first = ingest_file(store, path, fmt=name, dataset="twice")
    before = _snapshot(store)
    assert before["posts"] or before["accounts"], f"{path.name} stored nothing; not a useful fixture"
    second = ingest_file(store, path, fmt=name, dataset="twice")
    assert _snapshot(store) == before
    assert (second.posts_stored, second.accounts_stored) == (0, 0)
    assert second.duplicates == first.posts_stored + first.duplicates
    assert second.records_read == first.records_read


def test_same_file_into_another_dataset_is_kept_apart(store: Store) -> None:
    name, path = next((n, p) for n, p in CASES if n == "reddit")
    a = ingest_file(store, path, fmt=name, dataset="a")
    b = ingest_file(store, path, fmt=name, dataset="b")
    assert a.posts_stored == b.posts_stored > 0
    assert store.scalar("SELECT count(DISTINCT dataset) FROM posts") == 2
