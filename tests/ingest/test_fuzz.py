"""The fuzz suite: hostile inputs through every ingest adapter and ``lockstep intel import``.

Three parts, a few thousand inputs in all (``bench/fuzz.py`` runs a million and more):

* the committed corpus under ``tests/data/hostile/`` through every adapter and the importer;
* hypothesis-built records (any JSON value in any field, NaN, lone surrogates, deep nesting;
  any cell text in any CSV column) through the adapters of their shape;
* :func:`lockstep.testing.hostile.fuzz` (template records mutated as an attacker would) through
  every adapter, the whole pipeline and ``intel import``, under a bounded hypothesis budget.

A crash is any exception other than Lockstep's own clear user errors (``LockstepError``).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep import registry
from lockstep.ingest.base import ReadOptions
from lockstep.testing.hostile import TABLE_MAPS, fuzz, load_templates, run_adapter, run_intel
from tests.conftest import DATA

HOSTILE = DATA / "hostile"
ADAPTERS = registry.plugins("lockstep.adapters")
_BUDGET = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _every_adapter(path: Path) -> list[str]:
    crashes = []
    for name, cls in ADAPTERS.items():
        for opts in ([ReadOptions(platform="x", mapping=m) for m in TABLE_MAPS] if name == "table"
                     else [ReadOptions()]):
            _, crash = run_adapter(name, cls, path, opts)
            if crash:
                crashes.append(f"{crash.target} on {path.name}: {crash.error}\n{crash.trace}")
    return crashes


def test_the_hostile_corpus_crashes_no_adapter_and_no_import() -> None:
    files = sorted(p for p in HOSTILE.iterdir() if p.suffix != ".py")
    assert len(files) >= 9
    crashes = [c for f in files for c in _every_adapter(f)]
    crashes += [f"{c.target}: {c.error}" for f in files if (c := run_intel(f)) is not None]
    assert crashes == []


_SPECIAL = st.sampled_from(["7.94976E+17", "NaN", "\x00", "#tag @user https://x.example/p", "2021-02-30T25:00:00Z",
                            "[", "RT @x:", "=1+1", "$\\x$", "\u202e", ""])
_KEYS = st.sampled_from(["id", "author_id", "created_at", "text", "data", "includes", "entities", "users",
                         "referenced_tweets", "record", "commit", "did", "kind", "body", "author", "created_utc",
                         "account", "content", "uri", "tags", "user", "created", "type"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | _SPECIAL,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=12,
)
_DAMAGE = st.sampled_from(["", "surrogate", "deep", "truncate", "nan"])


def _line(value: Any, damage: str) -> str:
    line = json.dumps(value)
    if damage == "surrogate":
        return line.replace('"', '"\\udc80', 1) if '"' in line else line
    if damage == "deep":
        return "[" * 1100 + line + "]" * 1100
    if damage == "truncate":
        return line[: len(line) // 2]
    if damage == "nan":
        return line.replace("null", "NaN", 1)
    return line


def _run(data: bytes, suffix: str, names: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        return [c for c in _every_adapter(path) if c.split(" on ")[0] in names] if names else _every_adapter(path)


TEMPLATES = load_templates(DATA)
_JSONL = ["twarc2_flat", "twarc2_raw", "bluesky", "reddit", "table"]
_TABLES = ["io_tweets_csv", "io_users_csv", "ira_2016h2_csv", "ira_538_csv", "twarc_csv", "crowdtangle_fb_csv",
           "cosharing_objects_csv", "cosharing_posts_csv", "table_csv"]


def _override(record: dict[str, Any], changes: list[tuple[int, Any]]) -> dict[str, Any]:
    """The record with some of its own fields (picked by index) replaced by other values."""
    keys = sorted(record)
    out = dict(record)
    for at, value in changes:
        out[keys[at % len(keys)]] = value
    return out


_CHANGES = st.lists(st.tuples(st.integers(0, 100), _JSON), min_size=1, max_size=3)


@_BUDGET
@given(family=st.sampled_from(_JSONL),
       records=st.lists(st.tuples(st.integers(0, 50), _CHANGES, _DAMAGE), min_size=1, max_size=60))
def test_hypothesis_json_records(family: str, records: list[tuple[int, list[tuple[int, Any]], str]]) -> None:
    # Real records of the format with some of their fields replaced by any JSON value, after one
    # clean record (so that the adapter recognizes the file and reads on into its deep code).
    pool = TEMPLATES[family].records
    lines = [json.dumps(pool[0])] + [_line(_override(pool[k % len(pool)], ch), d) for k, ch, d in records]
    assert _run("\n".join(lines).encode("utf-8", "surrogatepass"), ".jsonl", []) == []
    # Mastodon statuses as one JSON array (streamed), with the same changes.
    statuses = TEMPLATES["mastodon"].records
    array = "[" + ",".join([json.dumps(statuses[0])] + [_line(_override(statuses[k % len(statuses)], ch), d)
                                                        for k, ch, d in records]) + "]"
    assert _run(array.encode("utf-8", "surrogatepass"), ".json", ["mastodon"]) == []


_CELL = st.text(max_size=40) | _SPECIAL | st.integers().map(str) | st.floats().map(str)


@_BUDGET
@given(family=st.sampled_from(_TABLES),
       rows=st.lists(st.tuples(st.integers(0, 50), st.dictionaries(st.integers(0, 40), _CELL, max_size=4),
                               st.integers(-1, 1)), min_size=1, max_size=60),
       bad_bytes=st.booleans())
def test_hypothesis_csv_rows(family: str, rows: list[tuple[int, dict[int, str], int]], bad_bytes: bool) -> None:
    # Real rows of the format with any text in any cell, and rows one cell short or long.
    t = TEMPLATES[family]
    assert t.header is not None
    out = [t.records[0]]
    for k, cells, width in rows:
        row = list(t.records[k % len(t.records)])
        for at, cell in cells.items():
            row[at % len(row)] = cell
        out.append([*row, "extra"] if width > 0 else row[:-1] if width < 0 else row)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([t.header, *out])
    data = buf.getvalue().encode("utf-8", "surrogatepass")
    if bad_bytes:
        data = data.replace(b"\n", b"\n\xff", 2)
    assert _run(data, ".csv", []) == []


@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_templates_through_adapters_pipeline_and_intel(seed: int) -> None:
    result = fuzz(DATA, seed=seed, files=15, records=40, pipeline_every=3, intel_every=3)
    assert result.inputs >= 600 and result.pipeline_runs == 5 and result.intel_files == 10
    assert [f"{c.target} on {c.path}: {c.error}\n{c.trace}" for c in result.crashes or []] == []


def test_intel_import_of_hostile_bundles(tmp_path: Path) -> None:
    import pytest

    from lockstep.errors import SourceError
    from lockstep.share.intel import import_file
    from lockstep.store import Store

    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(SourceError, match="nested too deeply"):
            import_file(store, HOSTILE / "bundle_deep.json")
        # A lone surrogate (or NaN) sets aside the object holding it, with the reason.
        s = import_file(store, HOSTILE / "bundle_surrogate.json")
        assert (s.stored, s.quarantined) == (0, 1)
        (reason,) = [r[0] for r in store.rows("SELECT reason FROM intel_quarantine")]
        assert "lone UTF-16 surrogate" in reason
