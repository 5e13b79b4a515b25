"""Fixtures for the sharing tests: a store with two planted networks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lockstep.store import Store
from lockstep.testing.plant import PlantedNetwork, plant_network


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[tuple[Store, list[PlantedNetwork]]]:
    with Store(tmp_path / "ours.duckdb") as store:
        nets = [plant_network(store, network_id=1, seed=0, traces=("co_link", "co_text")),
                plant_network(store, network_id=2, seed=1, domain="spiegel-aktuell.ltd", hint=None,
                              traces=("co_repost",), attribution="Social Design Agency",
                              handle_prefix="max_mueller")]
        yield store, nets


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    p = tmp_path / "community.key"
    p.write_text("4f1d0c3a9b7e2d6c8a5f1e3b7d9c2a4e6f8b0d2c4e6a8f0b\n")
    return p
