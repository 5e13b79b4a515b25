"""The tables the sharing stage owns: partners' indicators, what could not be read, sightings.

Declared here (not in ``store.TABLES``) and created on first use with ``store.ensure_tables``.
"""

from __future__ import annotations

import duckdb

from lockstep.errors import StoreError
from lockstep.store import Store

INTEL_TABLES: dict[str, str] = {
    # One row per (indicator, observable): a STIX indicator whose pattern names two domains is two rows
    # with the same indicator_id. value is normalized the way matching compares it.
    "indicators": """
        indicator_id VARCHAR NOT NULL, type VARCHAR NOT NULL, value VARCHAR NOT NULL, platform VARCHAR,
        pattern VARCHAR, name VARCHAR, source_file VARCHAR, source_line BIGINT, producer VARCHAR,
        producer_ref VARCHAR, labels VARCHAR[], networks VARCHAR[], tlp VARCHAR, valid_from TIMESTAMP,
        imported_at TIMESTAMP DEFAULT current_timestamp,
        PRIMARY KEY (indicator_id, type, value)""",
    "intel_quarantine": """
        source_file VARCHAR NOT NULL, line BIGINT, raw VARCHAR, reason VARCHAR NOT NULL, producer VARCHAR,
        imported_at TIMESTAMP DEFAULT current_timestamp""",
    "sightings": """
        dataset VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL, type VARCHAR NOT NULL, value VARCHAR NOT NULL,
        producer VARCHAR, count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP, accounts VARCHAR[],
        account_count BIGINT, networks INTEGER[], matched_at TIMESTAMP DEFAULT current_timestamp""",
}

#: indicator types Lockstep matches, and what each is compared with
TYPES = {
    "domain": "hosts of links in posts (and the posts' registered domains)",
    "url": "links in posts, normalized as ingest does",
    "account": "account handles (lower-case, without @)",
    "account_id": "platform account ids",
    "account_hash": "HMAC-SHA256 of handles or ids with the community key (--key)",
    "text_fingerprint": "SHA-256 of the normalized post text",
    "image_hash": "media hashes of posts",
    "file_hash": "media hashes of posts (file hashes from malware reports rarely match)",
}


def ensure(store: Store) -> None:
    """Create the sharing tables that are missing (nothing to do, and no write, when all exist)."""
    missing = {k: v for k, v in INTEL_TABLES.items() if not store.has_table(k)}
    if not missing:
        return
    try:
        store.ensure_tables(missing)
    except duckdb.Error as exc:
        raise StoreError(
            f"The store '{store.path}' has no {', '.join(missing)} table(s) and cannot be written to "
            f"({exc}). Run 'lockstep intel import FILE' on it first, or close the process holding it."
        ) from exc
