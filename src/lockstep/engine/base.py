"""The engine contract every detector is written against.

Why a protocol: detectors must not care whether the set work runs in an embedded DuckDB or on a
Spark cluster. They speak portable SQL (ANSI joins, window functions with ``RANGE``/``ROWS``
frames, ``GROUP BY``/``HAVING``, ``array_agg``) through :meth:`Engine.sql`, hand tables over with
:meth:`Engine.write`, and read them back with :meth:`Engine.table`. Anything dialect-specific lives
in an engine's helper methods (:meth:`Engine.epoch`), never in a detector.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pyarrow as pa


@runtime_checkable
class Engine(Protocol):
    """A place to run SQL over named tables and get Arrow back."""

    #: short name shown in run parameters ("duckdb", "spark").
    name: str
    #: whether rows are spread over tasks by key (Spark): one hot key then lands on one task, so
    #: queries salt such keys (``traces.cooccur``); false for an engine in one process (DuckDB).
    distributed: bool

    def sql(self, query: str, params: list[Any] | None = None) -> pa.Table:
        """Run a query (``?`` placeholders for ``params``) and return all rows as Arrow."""
        ...

    def execute(self, query: str, params: list[Any] | None = None) -> None:
        """Run a statement for its effect (``CREATE TEMP VIEW``, ``CREATE TABLE AS``...)."""
        ...

    def table(self, name: str) -> pa.Table:
        """All rows of a table or view."""
        ...

    def write(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as ``name`` (replacing any earlier table of that name)."""
        ...

    def drop(self, name: str) -> None:
        """Forget a table or view written by :meth:`write` or created by :meth:`execute`."""
        ...

    def materialize(self, name: str, query: str, params: list[Any] | None = None) -> None:
        """Store the result of ``query`` as the temporary table ``name`` (replacing it)."""
        ...

    # -- dialect helpers: SQL fragments whose spelling differs between engines ----------------
    def epoch(self, column: str) -> str:
        """SQL expression: seconds since 1970 (a DOUBLE) of a TIMESTAMP column."""
        ...

    def explode(self, column: str) -> str:
        """Select-list expression giving one row per element of a list column."""
        ...

    def set_key(self, column: str) -> str:
        """A string key of a list's distinct elements in sorted order (NULL or '' when empty)."""
        ...

    def list_key(self, column: str) -> str:
        """A string key of a list's elements in their order, space-separated (NULL or '' when empty;
        DuckDB ``array_to_string``; Spark ``concat_ws(' ', column)``)."""
        ...

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Expression: ``expr`` with every match of the regular expression ``pattern`` replaced."""
        ...

    def matches(self, expr: str, pattern: str) -> str:
        """Boolean expression: the regular expression ``pattern`` matches somewhere in ``expr``
        (DuckDB ``regexp_matches``; Spark ``expr RLIKE pattern``)."""
        ...

    def quantile(self, expr: str, q: float) -> str:
        """Aggregate expression: the (approximate) ``q`` quantile of ``expr``."""
        ...

    def hash64(self, expr: str) -> str:
        """Expression: a 64-bit integer hash of the string ``expr``, the same for equal strings
        within one run (DuckDB ``hash``; Spark ``xxhash64``)."""
        ...
