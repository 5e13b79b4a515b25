"""One small benchmark shared by the synth tests (generated once per session, ~0.5 s)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from lockstep.synth import generate, preset, write_dataset

POSTS = 40_000
SEED = 11


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "bench"
    write_dataset(generate(posts=POSTS, seed=SEED, profile=preset("default")), out, "parquet")
    return out


@pytest.fixture(scope="session")
def manifest(bench_dir: Path) -> dict:
    return json.loads((bench_dir / "manifest.json").read_text())


@pytest.fixture
def con(bench_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """posts / accounts / truth as DuckDB views, with truth joined onto posts as ``p``."""
    c = duckdb.connect()
    c.execute(f"CREATE VIEW posts AS SELECT * FROM read_parquet('{bench_dir / 'posts.parquet'}')")
    c.execute(f"CREATE VIEW accounts AS SELECT * FROM read_parquet('{bench_dir / 'accounts.parquet'}')")
    c.execute(f"CREATE VIEW truth AS SELECT * FROM read_csv('{bench_dir / 'truth.csv'}', all_varchar=true)")
    c.execute("CREATE VIEW p AS SELECT posts.*, truth.network_id::INT AS network_id, truth.operation_style, "
              "coalesce(truth.negative_group, '') AS negative_group FROM posts JOIN truth USING (platform, account_id)")
    yield c
    c.close()
