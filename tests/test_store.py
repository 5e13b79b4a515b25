"""The store and the model: schemas, dataclasses and tables agree; stats and export round-trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lockstep.ingest.pipeline import ingest_file
from lockstep.model import ACCOUNT_SCHEMA, POST_SCHEMA, Account, Post
from lockstep.store import Store
from tests.conftest import DATA


@pytest.mark.parametrize(("cls", "schema"), [(Post, POST_SCHEMA), (Account, ACCOUNT_SCHEMA)])
def test_every_dataclass_field_is_in_its_schema_and_back(cls: type, schema: object) -> None:
    fields = {f.name for f in dataclasses.fields(cls)}
    assert fields == set(schema.names)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("table", "schema"), [("posts", POST_SCHEMA), ("accounts", ACCOUNT_SCHEMA)])
def test_store_tables_have_the_schema_columns(store: Store, table: str, schema: object) -> None:
    cols = [r[0] for r in store.rows(f"DESCRIBE {table}")]
    assert cols == list(schema.names)  # type: ignore[attr-defined]


def test_stats_counts_per_dataset_and_platform(store: Store) -> None:
    ingest_file(store, DATA / "reddit_dump.ndjson", dataset="r")
    ingest_file(store, DATA / "bluesky_posts.jsonl", dataset="b")
    s = store.stats()
    assert (s["posts"], s["accounts"], s["quarantined"]) == (14, 10, 11)
    assert all(isinstance(s[k], int) for k in ("posts", "accounts", "quarantined"))
    assert s["datasets"]["r"] == {"posts": 7, "accounts": 7, "quarantined": 5,
                                  "first_post": "2020-09-13T12:26:40Z", "last_post": "2020-09-13T12:38:20Z"}
    assert s["datasets"]["b"]["posts"] == 7
    assert s["platforms"] == {"bluesky": {"posts": 7, "accounts": 3}, "reddit": {"posts": 7, "accounts": 7}}
    assert s["first_post"] == "2020-09-13T12:26:40Z" and s["last_post"] == "2024-05-30T11:00:00Z"
    assert s["posts_without_time_zone"] == 1


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_posts_round_trips_through_ingest(tmp_path: Path, store: Store, fmt: str) -> None:
    for f in ("reddit_dump.ndjson", "bluesky_posts.jsonl", "mastodon_statuses.json",
              "telegram_channel/result.json"):
        ingest_file(store, DATA / f, dataset="rt")
    out = tmp_path / f"posts.{fmt}"
    n = store.export_posts(out, fmt)
    assert n == store.scalar("SELECT count(*) FROM posts") == 23
    with Store(tmp_path / "copy.duckdb") as copy:
        s = ingest_file(copy, out, dataset="rt")
        assert (s.adapter, s.posts_stored, s.quarantined) == ("lockstep", n, 0)
        query = "SELECT * FROM posts ORDER BY platform, post_id"
        assert copy.rows(query) == store.rows(query)
