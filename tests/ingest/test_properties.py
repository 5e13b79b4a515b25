"""Robustness of every registered adapter (built-in or plug-in) under hypothesis.

For random bytes and for mutated copies of each adapter's own fixture, ingesting with
``--format <adapter>`` must either refuse the whole file with a ``SourceError`` (and leave the
store untouched) or account for every record it read::

    records_read == posts_stored + duplicates + quarantined + account_records + skipped

and the store must hold exactly what the summary says it stored. (A ``ConfigError`` is allowed
too: an adapter such as ``table`` refuses to start without the ``--map`` it needs.)

Two levels, for speed: the adapter alone (many examples: it must yield only well-typed records)
and the whole pipeline into a real DuckDB store (a few examples each, ~0.3 s per ingest).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep import registry
from lockstep.errors import ConfigError, SourceError
from lockstep.ingest.base import ReadOptions, TableBatch
from lockstep.ingest.pipeline import detect_format, ingest_file
from lockstep.model import Account, Post, Quarantined
from lockstep.store import Store
from tests.ingest.fixtures import fixtures_by_adapter

ADAPTERS = sorted(registry.plugins("lockstep.adapters"))
FIXTURES = fixtures_by_adapter()
WITH_FIXTURE = sorted(FIXTURES)
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
SETTINGS = settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=_HEALTH)
FAST = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=_HEALTH)
REFUSALS = (SourceError, ConfigError)


def _check_adapter(data: bytes, name: str, suffix: str) -> None:
    """The adapter alone: only refusals escape, and every item is a well-typed record."""
    cls = registry.get("lockstep.adapters", name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            items = list(cls(path=path, options=ReadOptions()).read())
        except REFUSALS:
            return
    for item in items:
        assert isinstance(item, (Post, Account, Quarantined, TableBatch)), type(item)
        if isinstance(item, Post):
            assert isinstance(item.post_id, str) and isinstance(item.account_id, str)
            assert isinstance(item.time, datetime) and item.time.tzinfo is None  # naive UTC
            assert item.text is None or isinstance(item.text, str)
            for f in ("urls", "hashtags", "mentions", "media_hashes", "domains"):
                v = getattr(item, f)
                assert v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v)), f
        elif isinstance(item, Quarantined):
            assert item.reason and isinstance(item.raw, str)


def _check_ingest(data: bytes, name: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        with Store(Path(tmp) / "s.duckdb") as store:
            try:
                s = ingest_file(store, path, fmt=name, dataset="prop")
            except REFUSALS as exc:
                assert path.name in str(exc), f"message does not name the file: {exc}"
                for table in ("posts", "accounts", "quarantine", "ingested_files"):
                    assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
                return
            assert s.records_read == s.accounted(), s
            assert store.scalar("SELECT count(*) FROM posts") == s.posts_stored
            assert store.scalar("SELECT count(*) FROM accounts") == s.accounts_stored
            assert store.scalar("SELECT count(*) FROM quarantine") <= s.quarantined
            assert store.scalar("SELECT count(*) FROM ingested_files") == 1
            # Every stored post satisfies the model's required fields.
            assert store.scalar(
                "SELECT count(*) FROM posts WHERE post_id = '' OR account_id = '' OR platform = ''") == 0


_PREFIXES = st.sampled_from([b"", b"{", b"[", b'{"id": ', b"\xef\xbb\xbf", b"a,b,c\n"])


@pytest.mark.parametrize("name", ADAPTERS)
@FAST
@given(data=st.binary(max_size=600), prefix=_PREFIXES)
def test_random_bytes_adapter(name: str, data: bytes, prefix: bytes) -> None:
    _check_adapter(prefix + data, name, ".jsonl")


@pytest.mark.parametrize("name", ADAPTERS)
@SETTINGS
@given(data=st.binary(max_size=600), prefix=_PREFIXES)
def test_random_bytes_pipeline(name: str, data: bytes, prefix: bytes) -> None:
    _check_ingest(prefix + data, name, ".jsonl")


_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["drop", "duplicate", "truncate", "garble", "retype", "blank"]),
        st.integers(min_value=0, max_value=10_000),
        st.binary(min_size=1, max_size=12),
    ),
    min_size=1, max_size=4,
)
_RETYPE = [b"null", b"12", b'"x"', b"[]", b"{}", b"true", b'"2024-99-99"', b"-1e309"]


def _mutate(lines: list[bytes], ops: list[tuple[str, int, bytes]]) -> list[bytes]:
    lines = list(lines)
    for op, pos, junk in ops:
        if not lines:
            break
        i = pos % len(lines)
        line = lines[i]
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "truncate":
            lines[i] = line[: pos % (len(line) + 1)]
        elif op == "garble":
            at = pos % (len(line) + 1)
            lines[i] = line[:at] + junk + line[at + len(junk):]
        elif op == "retype":
            # Replace the value after the n-th ':' (JSON) or the n-th field (CSV) with another type.
            sep = b":" if b":" in line else b","
            parts = line.split(sep)
            if len(parts) > 1:
                k = 1 + pos % (len(parts) - 1)
                tail = parts[k].lstrip()
                end = min((tail.find(c) for c in (b",", b"}", b"]") if tail.find(c) >= 0), default=len(tail))
                parts[k] = b" " + _RETYPE[pos % len(_RETYPE)] + tail[end:]
                lines[i] = sep.join(parts)
        elif op == "blank":
            lines[i] = b""
    return lines


def _mutated(name: str, ops: list[tuple[str, int, bytes]]) -> tuple[bytes, str]:
    fixture = FIXTURES[name][0]
    if fixture.suffix in (".gz", ".zst", ".parquet"):
        pytest.skip(f"{fixture.name} is binary; mutated as bytes in test_random_bytes_*")
    lines = fixture.read_bytes().split(b"\n")
    return b"\n".join(_mutate(lines, ops)), fixture.suffix


@pytest.mark.parametrize("name", WITH_FIXTURE)
@FAST
@given(ops=_MUTATIONS)
def test_mutated_fixture_adapter(name: str, ops: list[tuple[str, int, bytes]]) -> None:
    data, suffix = _mutated(name, ops)
    _check_adapter(data, name, suffix)


@pytest.mark.parametrize("name", WITH_FIXTURE)
@SETTINGS
@given(ops=_MUTATIONS)
def test_mutated_fixture_pipeline(name: str, ops: list[tuple[str, int, bytes]]) -> None:
    data, suffix = _mutated(name, ops)
    _check_ingest(data, name, suffix)


def test_every_adapter_with_a_fixture_is_covered() -> None:
    # The formats this project ships fixtures for must be found, or the mutation tests go blind.
    assert {"bluesky", "mastodon", "reddit", "telegram_export"} <= set(WITH_FIXTURE)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_detection_never_crashes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.bin"
        path.write_bytes(data)
        try:
            name = detect_format(path)
        except SourceError:
            return
        assert name in ADAPTERS


def test_each_fixture_is_detected_as_its_own_format() -> None:
    # Content detection must not confuse the formats with one another.
    from tests.conftest import DATA

    expected = {
        DATA / "bluesky_posts.jsonl": "bluesky",
        DATA / "mastodon_statuses.json": "mastodon",
        DATA / "mastodon_outbox.json": "mastodon",
        DATA / "reddit_dump.ndjson": "reddit",
        DATA / "telegram_channel" / "result.json": "telegram_export",
        DATA / "telegram_full_export.json": "telegram_export",
    }
    assert {p: detect_format(p) for p in expected} == expected
