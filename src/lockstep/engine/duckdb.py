"""The embedded default engine: DuckDB, over the store's own connection (no copy of the posts).

Temporary work tables are created as ``TEMP`` tables so a crash leaves the store untouched.
"""

from __future__ import annotations

import itertools
from typing import Any

import duckdb
import pyarrow as pa

from lockstep.errors import EngineError
from lockstep.sql import literal

_counter = itertools.count()


class DuckDBEngine:
    """:class:`~lockstep.engine.base.Engine` over a DuckDB connection."""

    name = "duckdb"
    distributed = False

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con if con is not None else duckdb.connect(":memory:")
        self._registered: dict[str, str] = {}

    @classmethod
    def for_store(cls, store: Any, *, memory_limit: str | None = None) -> DuckDBEngine:
        """The engine for a :class:`lockstep.store.Store` (shares its connection).
        ``memory_limit`` (e.g. ``"3GB"``) caps DuckDB's memory; beyond it, joins spill to disk."""
        engine = cls(store.con)
        if memory_limit:
            engine.execute(f"SET memory_limit = {literal(memory_limit)}")
        return engine

    def sql(self, query: str, params: list[Any] | None = None) -> pa.Table:
        try:
            # execute(), not sql(): a relation built with parameters is planned without them and
            # ran several times slower here (0.45 s against 0.08 s on one candidates query).
            return self.con.execute(query, params or []).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed to run a detector query: {exc}\nQuery: {query[:500]}") from exc

    def execute(self, query: str, params: list[Any] | None = None) -> None:
        try:
            self.con.execute(query, params or [])
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed to run a statement: {exc}\nStatement: {query[:500]}") from exc

    def table(self, name: str) -> pa.Table:
        return self.sql(f"SELECT * FROM {_ident(name)}")

    def write(self, name: str, table: pa.Table) -> None:
        ident = _ident(name)
        tmp = f"_ls_arrow_{next(_counter)}"
        self.drop(name)
        self.con.register(tmp, table)
        try:
            self.execute(f"CREATE TEMP TABLE {ident} AS SELECT * FROM {tmp}")
        finally:
            self.con.unregister(tmp)

    def drop(self, name: str) -> None:
        ident = _ident(name)
        for kind in ("VIEW", "TABLE"):
            try:
                self.con.execute(f"DROP {kind} IF EXISTS {ident}")
            except duckdb.CatalogException:
                # DROP VIEW on a table (or the reverse) is refused; the other kind is tried too.
                continue

    def materialize(self, name: str, query: str, params: list[Any] | None = None) -> None:
        self.execute(f"CREATE OR REPLACE TEMP TABLE {_ident(name)} AS {query}", params)

    def epoch(self, column: str) -> str:
        return f"CAST(epoch_us({column}) AS DOUBLE) / 1000000.0"

    def explode(self, column: str) -> str:
        return f"UNNEST({column})"

    def set_key(self, column: str) -> str:
        return f"nullif(array_to_string(list_sort(list_distinct({column})), ' '), '')"

    def list_key(self, column: str) -> str:
        return f"nullif(array_to_string({column}, ' '), '')"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        return f"regexp_replace({expr}, {literal(pattern)}, {literal(replacement)}, 'g')"

    def matches(self, expr: str, pattern: str) -> str:
        return f"regexp_matches({expr}, {literal(pattern)})"

    def quantile(self, expr: str, q: float) -> str:
        return f"quantile_cont({expr}, {float(q)!r})"

    def hash64(self, expr: str) -> str:
        return f"hash({expr})"


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise EngineError(f"Table name {name!r} is not a plain identifier (letters, digits, '_').")
    return name
