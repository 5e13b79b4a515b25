"""Fixtures for the narratives tests: the planted world in a store, topics by the tfidf backend."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lockstep.narratives.planted import load_planted
from lockstep.narratives.topics import TopicParams, build_topics
from lockstep.store import Store


@pytest.fixture(scope="session")
def planted_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per session; each test gets its own copy."""
    path = tmp_path_factory.mktemp("planted") / "planted.duckdb"
    with Store(path) as store:
        load_planted(store, seed=3)
        build_topics(store, "planted", TopicParams(backend="tfidf", seed=0))
    return path


@pytest.fixture
def planted_store(planted_template: Path, tmp_path: Path) -> Iterator[Store]:
    """Posts and members of the planted world, topics modelled with tfidf (fast, no model)."""
    path = tmp_path / "planted.duckdb"
    shutil.copyfile(planted_template, path)
    with Store(path) as store:
        yield store
