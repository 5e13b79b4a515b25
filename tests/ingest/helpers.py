"""Small helpers the ingest tests share: read back what a file put into the store."""

from __future__ import annotations

from typing import Any

from lockstep.store import Store


def posts_by_id(store: Store) -> dict[str, dict[str, Any]]:
    table = store.query("SELECT * FROM posts")
    return {r["post_id"]: r for r in table.to_pylist()}


def accounts_by_id(store: Store) -> dict[str, dict[str, Any]]:
    return {r["account_id"]: r for r in store.query("SELECT * FROM accounts").to_pylist()}


def quarantine_by_line(store: Store) -> dict[int | None, str]:
    return {line: reason for line, reason in store.rows("SELECT line, reason FROM quarantine")}
