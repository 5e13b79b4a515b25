"""Lockstep's own format: posts or accounts with the column names of ``model.py``, as Parquet,
CSV (list columns as JSON arrays) or JSONL. ``lockstep export posts`` and ``lockstep synth`` write
it; this adapter reads it back.

Values are cast row by row in a private in-memory DuckDB (``TRY_CAST``), so a row with a bad time
or number is quarantined with the column that failed, and the rest of the file still loads fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

from lockstep.errors import SourceError
from lockstep.ingest.base import Item, ReadOptions, TableBatch, base_name
from lockstep.model import ACCOUNT_SCHEMA, POST_SCHEMA, Quarantined
from lockstep.sql import identifier, literal

_POST_KEYS = {"post_id", "account_id", "platform", "time"}
_ACCOUNT_KEYS = {"account_id", "platform"}
_LIST_COLS = {f.name for f in POST_SCHEMA if pa.types.is_list(f.type)}
CHUNK = 200_000


def _columns_of(path: Path, head: bytes) -> set[str]:
    name = base_name(path)
    if head[:4] == b"PAR1" or name.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq

            return set(pq.read_schema(path).names)
        except Exception:
            return set()
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].strip()
    if first.startswith("{"):
        try:
            return set(json.loads(first))
        except ValueError:
            return set()
    return {c.strip().strip('"') for c in first.split(",")}


class LockstepNative:
    """Posts or accounts in Lockstep's own column layout (Parquet, CSV or JSONL)."""

    name: ClassVar[str] = "lockstep"
    description: ClassVar[str] = "Lockstep's own posts/accounts table (Parquet, CSV or JSONL)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = _columns_of(path, head)
        if cols >= _POST_KEYS:
            return 0.95
        if cols >= _ACCOUNT_KEYS and "post_id" not in cols and "handle" in cols:
            return 0.9
        return 0.0

    def _reader_sql(self) -> str:
        p = literal(str(self.path))
        name = base_name(self.path)
        with open(self.path, "rb") as fh:
            magic = fh.read(4)
        if magic == b"PAR1" or name.endswith(".parquet"):
            return f"SELECT *, row_number() OVER () AS _line FROM read_parquet({p})"
        if name.endswith((".jsonl", ".ndjson", ".json")):
            return (
                f"SELECT *, row_number() OVER () AS _line FROM read_json({p}, format='newline_delimited', "
                "records=true, ignore_errors=true)"
            )
        # CSV: the header is line 1, so the first record is on line 2.
        return (
            f"SELECT *, row_number() OVER () + 1 AS _line FROM read_csv({p}, all_varchar=true, header=true, "
            "auto_detect=true, strict_mode=false)"
        )

    def read(self) -> Iterator[Item]:
        con = duckdb.connect()
        try:
            con.execute(f"CREATE TEMP VIEW src AS {self._reader_sql()}")
            cols = {r[0] for r in con.execute("DESCRIBE src").fetchall()}
            kind, schema = ("posts", POST_SCHEMA) if "post_id" in cols else ("accounts", ACCOUNT_SCHEMA)
            exprs, checks = [], []
            for f in schema:
                if f.name == "dataset":
                    continue
                if f.name not in cols:
                    exprs.append(f"NULL::{_duck_type(f.type)} AS {f.name}")
                    continue
                target = _duck_type(f.type)
                col = identifier(f.name)
                if f.name in _LIST_COLS:
                    expr = (
                        f"CASE WHEN typeof({col}) = 'VARCHAR' THEN TRY_CAST(json({col}::VARCHAR) AS VARCHAR[]) "
                        f"ELSE TRY_CAST({col} AS VARCHAR[]) END"
                    )
                else:
                    expr = f"TRY_CAST({col} AS {target})"
                exprs.append(f"{expr} AS {f.name}")
                checks.append(
                    f"CASE WHEN {col} IS NOT NULL AND {col}::VARCHAR <> '' AND {expr} IS NULL "
                    f"THEN 'column {f.name!s}: cannot read {{}} as {target}' END"
                )
            problem = "coalesce(" + ", ".join(checks) + ")" if checks else "NULL"
            platform = self.options.platform
            if platform and "platform" in cols:
                exprs = [e if not e.endswith(" AS platform") else f"coalesce(nullif(TRY_CAST(platform AS VARCHAR), ''), {literal(platform)}) AS platform" for e in exprs]
            con.execute(
                f"CREATE TEMP TABLE typed AS SELECT {', '.join(exprs)}, _line, {problem} AS _problem, "
                "to_json(src)::VARCHAR AS _raw FROM src"
            )
            for line, raw, problem_text in con.execute(
                "SELECT _line, _raw, _problem FROM typed WHERE _problem IS NOT NULL"
            ).fetchall():
                yield Quarantined(
                    source_file=str(self.path), line=int(line), raw=raw,
                    reason=problem_text.replace("{}", "the value"), adapter=self.name,
                )
            names = [f.name for f in schema if f.name != "dataset"]
            total = con.execute("SELECT count(*) FROM typed WHERE _problem IS NULL").fetchone()[0]  # type: ignore[index]
            extra = ", _line AS source_line" if kind == "posts" and "source_line" not in cols else ""
            sel = ", ".join(n for n in names if not (extra and n == "source_line"))
            for offset in range(0, total, CHUNK):
                table = con.sql(
                    f"SELECT {sel}{extra} FROM typed WHERE _problem IS NULL ORDER BY _line "
                    f"LIMIT {CHUNK} OFFSET {offset}"
                ).to_arrow_table()
                if kind == "posts" and "source_file" not in cols:
                    table = table.drop_columns(["source_file"]) if "source_file" in table.column_names else table
                yield TableBatch(kind, table)
        except duckdb.Error as exc:
            # DuckDB cannot parse it at all (empty, not CSV/JSONL/Parquet): refuse the file clearly.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(
                f"'{self.path}' cannot be read as {self.description} ({first}). "
                "Check the file, or name another --format (see `lockstep formats`)."
            ) from exc
        finally:
            con.close()


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_list(t):
        return "VARCHAR[]"
    return "VARCHAR"
