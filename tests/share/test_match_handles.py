"""A handle indicator matches the local account whatever its letters: the stored indicator value
(Python, ``normalize_handle``) and the local handle (SQL, ``handle_sql``) are folded alike. Before,
Python lower-cased with Greek final sigma and SQL without, so ``@ΟΔΟΣ`` never matched ``ΟΔΟΣ``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lockstep.ingest.pipeline import ingest_file
from lockstep.share.intel import import_file
from lockstep.share.match import match
from lockstep.store import Store


@pytest.mark.parametrize("handle", ["ΟΔΟΣ", "Straße_News", "İstanbul_haber", "plain_Handle"])
def test_a_handle_indicator_matches_the_account(tmp_path: Path, store: Store, handle: str) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"platform": "telegram", "post_id": "1", "account_id": "a1", "handle": handle,
                                 "time": "2024-01-01T00:00:00Z", "text": "hello"}) + "\n", encoding="utf-8")
    ingest_file(store, posts, fmt="lockstep", dataset="d")
    assert store.rows("SELECT handle FROM accounts") == [(handle,)]
    bundle = tmp_path / "bundle.json"
    value = "@" + handle.upper()
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--6b4b6d36-5d0c-4b4a-9f5e-0d5e4d3f2a10", "objects": [{
        "type": "indicator", "spec_version": "2.1", "id": "indicator--1b4b6d36-5d0c-4b4a-9f5e-0d5e4d3f2a11",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "pattern": f"[user-account:account_login = '{value}']", "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"}]}), encoding="utf-8")
    import_file(store, bundle)
    summary = match(store, "d")
    assert summary.sightings == 1, store.rows("SELECT type, value FROM indicators")
