"""Fixtures every test module shares."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lockstep.store import Store

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
#: Real public data laid beside the checkout (never committed); tests skip with a message without it.
SHARED_DATA = Path(os.environ.get("LOCKSTEP_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "test.duckdb") as s:
        yield s


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set LOCKSTEP_SHARED_DATA)")
    return SHARED_DATA
