"""The normalized records every stage speaks, written down once.

Each record type has a frozen dataclass (what adapters yield, what code reads) and one Arrow schema
(what the store holds). ``POST_FIELDS`` / ``ACCOUNT_FIELDS`` are derived from the schemas so the two
cannot drift apart: a test checks that every dataclass field is in its schema and vice versa.

Times are UTC. A source that gives no zone still yields a UTC value (read as if it were UTC) with
``time_zone_known=False``, so the record and the ingest summary can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

_LIST = pa.list_(pa.string())
_TS = pa.timestamp("us")

POST_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("time", _TS, nullable=False),
        pa.field("time_zone_known", pa.bool_()),
        pa.field("text", pa.string()),
        pa.field("language", pa.string()),
        pa.field("urls", _LIST),
        pa.field("domains", _LIST),
        pa.field("hashtags", _LIST),
        pa.field("mentions", _LIST),
        pa.field("reply_to_post", pa.string()),
        pa.field("reply_to_account", pa.string()),
        pa.field("repost_of_post", pa.string()),
        pa.field("repost_of_account", pa.string()),
        pa.field("quote_of_post", pa.string()),
        pa.field("media_hashes", _LIST),
        pa.field("client", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

ACCOUNT_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("display_name", pa.string()),
        pa.field("bio", pa.string()),
        pa.field("created_at", _TS),
        pa.field("followers", pa.int64()),
        pa.field("following", pa.int64()),
        pa.field("post_count", pa.int64()),
        pa.field("verified", pa.bool_()),
        pa.field("language", pa.string()),
        pa.field("location", pa.string()),
        pa.field("avatar_hash", pa.string()),
        # A label the source itself gives (e.g. the IRA data's persona, ``account_category``).
        pa.field("category", pa.string()),
        pa.field("source", pa.string()),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("adapter", pa.string()),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("raw", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
    ]
)

POST_FIELDS = tuple(POST_SCHEMA.names)
ACCOUNT_FIELDS = tuple(ACCOUNT_SCHEMA.names)
QUARANTINE_FIELDS = tuple(QUARANTINE_SCHEMA.names)


@dataclass(frozen=True, slots=True)
class Post:
    """One post, normalized. ``dataset`` is filled in by the ingest pipeline when left empty.

    List fields left as ``None`` mean "the source did not say": the pipeline then extracts them
    from ``text``. An empty list means "the source said there are none".
    """

    platform: str
    post_id: str
    account_id: str
    time: datetime
    dataset: str = ""
    handle: str | None = None
    time_zone_known: bool = True
    text: str | None = None
    language: str | None = None
    urls: list[str] | None = None
    domains: list[str] | None = None
    hashtags: list[str] | None = None
    mentions: list[str] | None = None
    reply_to_post: str | None = None
    reply_to_account: str | None = None
    repost_of_post: str | None = None
    repost_of_account: str | None = None
    quote_of_post: str | None = None
    media_hashes: list[str] | None = None
    client: str | None = None
    source_file: str | None = None
    source_line: int | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """One account as a source describes it. Fields the source lacks stay ``None``;
    the store merges several descriptions of one account, keeping known values."""

    platform: str
    account_id: str
    dataset: str = ""
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    created_at: datetime | None = None
    followers: int | None = None
    following: int | None = None
    post_count: int | None = None
    verified: bool | None = None
    language: str | None = None
    location: str | None = None
    avatar_hash: str | None = None
    category: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record that could not be read: where it was, what it held, and why it was refused."""

    source_file: str
    line: int | None
    raw: str
    reason: str
    dataset: str = ""
    adapter: str | None = None


@dataclass(frozen=True, slots=True)
class TraceEdge:
    """A pair of accounts that one trace found acting together, with the events behind it.

    Accounts are ``(platform, account_id)``; edges are undirected and stored with
    ``(platform_a, account_a) < (platform_b, account_b)``.
    """

    trace: str
    platform_a: str
    account_a: str
    platform_b: str
    account_b: str
    weight: float
    count: int
    p_value: float = 1.0
    evidence_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Network:
    """A cluster of accounts joined by significant edges, with its score and the plain-language reason."""

    network_id: int
    members: list[tuple[str, str]]
    score: float
    traces: list[str]
    why: str
    first_activity: datetime | None = None
    last_activity: datetime | None = None
    utc_offset_hours: float | None = None
    utc_offset_confidence: float | None = None
