"""Apache Spark behind the same :class:`~lockstep.engine.base.Engine` protocol as DuckDB.

Detectors write their SQL once, in DuckDB's dialect. This engine hands each statement to
sqlglot (``read="duckdb", write="spark"``) and runs the result with ``spark.sql``: one source
for every query, no hand-kept Spark copy (why not DataFrame code: ``docs/detection.md``). The
dialect helpers (:meth:`epoch`, :meth:`hash64`, ...) return Spark spellings that survive that
translation unchanged (checked in ``tests/engine/test_spark.py``).

Work tables (:meth:`materialize`, :meth:`write`) are computed at once and kept as
locally checkpointed temporary views: the next query reads them instead of re-running their
lineage, as DuckDB's ``TEMP`` tables are read. The session runs in UTC so that naive post
times mean the same instant on both engines.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lockstep.errors import EngineError
from lockstep.sql import literal

if TYPE_CHECKING:  # pyspark loads a JVM bridge: only where a Spark engine is asked for
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)
_counter = itertools.count()

#: Settings every Lockstep session gets (``--spark-conf`` may override them).
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    # Hive partition values stay strings (a dataset named 2024 is not a number).
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # Arrow both ways: results come back as Arrow, written tables go in as Arrow.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # ``a || b`` with a NULL is NULL on both engines; ANSI mode would also turn DuckDB's lenient
    # casts into errors, which the shared SQL never relies on, so keep Spark's own default.
    "spark.sql.ansi.enabled": "false",
}


def local_conf(master: str) -> dict[str, str]:
    """Defaults for a ``local[N]`` master, where the driver's JVM does all the work.

    Why: Spark's 200 shuffle partitions suit a cluster; on a few local cores each of a detection's
    ~400 statements then runs hundreds of near-empty tasks per shuffle (co_link on 5k posts, local[2]:
    131 s of statements with 200, 27 s with 4). Twice the cores keeps both busy while a task
    waits; adaptive execution (on by default) still splits skewed partitions. The one JVM also
    holds every cached work table, so it gets a quarter of the machine's memory instead of 1 GB.
    ``--spark-conf`` overrides both; cluster masters get Spark's own defaults (see docs/scale.md).
    """
    m = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())  # local, local[N|*], local[N,F]
    if m is None:
        return {}
    cores = (os.cpu_count() or 1) if m.group(1) == "*" else int(m.group(1) or 1)
    out = {"spark.sql.shuffle.partitions": str(max(2 * cores, 2)),
           "spark.default.parallelism": str(max(cores, 1))}
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not on every platform
        memory = 0
    out["spark.driver.memory"] = f"{max(memory // 4 // 2**20, 1024)}m"
    return out


def spark_session(master: str = "local[*]", conf: Mapping[str, str] | None = None,
                  app_name: str = "lockstep") -> SparkSession:
    """Get (or create) the process's SparkSession with Lockstep's defaults and ``conf``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise EngineError("The Spark engine needs pyspark: pip install 'lockstep[spark]' (and Java 17).") from exc
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**DEFAULT_CONF, **local_conf(master), **dict(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # JVM missing, bad master URL...: an external dependency failed
        raise EngineError(f"Could not start Spark (master {master!r}): {exc}. The Spark engine needs "
                          "Java 17 on PATH (Debian: apt-get install openjdk-17-jre-headless).") from exc


@lru_cache(maxsize=4096)
def to_spark_sql(query: str) -> str:
    """``query`` (DuckDB dialect) in Spark's dialect. Cached: detectors send the same shapes
    again and again (about 1 ms per query to translate)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    # sqlglot's parser recurses once per nesting level; the text normalization nests ~100
    # replace() calls (``ingest.normalize.normalized_text_sql``), past Python's default limit.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        out = sqlglot.transpile(query, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise EngineError(f"Could not translate a detector query to Spark SQL: {exc}\nQuery: {query[:500]}") from exc
    finally:
        sys.setrecursionlimit(limit)
    if len(out) != 1:
        raise EngineError(f"Expected one SQL statement, got {len(out)}.\nQuery: {query[:500]}")
    return out[0]


class SparkEngine:
    """:class:`~lockstep.engine.base.Engine` over a SparkSession."""

    name = "spark"
    distributed = True

    def __init__(self, session: SparkSession) -> None:
        self.spark = session
        self._frames: dict[str, DataFrame] = {}

    # -- running ------------------------------------------------------------------------------
    def _df(self, query: str, params: list[Any] | None) -> DataFrame:
        text = to_spark_sql(query)
        try:
            return self.spark.sql(text, args=list(params) if params else None)
        except Exception as exc:
            raise EngineError(f"Spark failed to run a detector query: {_short(exc)}\nQuery: {text[:500]}") from exc

    def sql(self, query: str, params: list[Any] | None = None) -> pa.Table:
        t0 = time.perf_counter()
        df = self._df(query, params)
        try:
            out = _naive_times(df.toArrow())
        except Exception as exc:
            raise EngineError(f"Spark failed to run a detector query: {_short(exc)}\nQuery: {query[:500]}") from exc
        _timed("sql", t0, query)
        return out

    def execute(self, query: str, params: list[Any] | None = None) -> None:
        self._df(query, params).collect()

    def table(self, name: str) -> pa.Table:
        return self.sql(f"SELECT * FROM {_ident(name)}")

    def frame(self, name: str) -> DataFrame:
        """The Spark DataFrame behind a table or view (for writing results out as Parquet)."""
        return self.spark.table(_ident(name))

    def register(self, name: str, df: DataFrame) -> None:
        """Make a DataFrame (e.g. Parquet read with ``spark.read``) queryable as ``name``, read
        once and kept (every trace scans the posts: without this each would re-read the files)."""
        self._keep(name, df)

    def write(self, name: str, table: pa.Table) -> None:
        if table.num_columns == 0:
            raise EngineError(f"Cannot write table {name!r} without columns.")
        df = self.spark.createDataFrame(_spark_safe(table))
        self._keep(name, df)

    def drop(self, name: str) -> None:
        ident = _ident(name)
        old = self._frames.pop(ident, None)
        self.spark.catalog.dropTempView(ident)
        if old is not None:
            old.unpersist()

    def materialize(self, name: str, query: str, params: list[Any] | None = None) -> None:
        t0 = time.perf_counter()
        self._keep(name, self._df(query, params))
        _timed(f"materialize {name}", t0, query)

    def _keep(self, name: str, df: DataFrame) -> None:
        ident = _ident(name)
        try:
            kept = df.localCheckpoint(eager=True)
        except Exception as exc:
            raise EngineError(f"Spark failed to build work table {ident}: {_short(exc)}") from exc
        self.drop(ident)
        kept.createOrReplaceTempView(ident)
        self._frames[ident] = kept

    def close(self) -> None:
        """Drop every work table this engine made (the session stays up for the next engine)."""
        for ident in list(self._frames):
            self.drop(ident)

    # -- dialect helpers: Spark spellings that sqlglot's DuckDB reader passes through -----------
    def epoch(self, column: str) -> str:
        return f"CAST(unix_micros({column}) AS DOUBLE) / 1000000.0"

    def explode(self, column: str) -> str:
        return f"explode({column})"

    def set_key(self, column: str) -> str:
        return f"nullif(concat_ws(' ', array_sort(array_distinct({column}))), '')"

    def list_key(self, column: str) -> str:
        return f"nullif(concat_ws(' ', {column}), '')"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        return f"regexp_replace({expr}, {literal(pattern)}, {literal(_java_replacement(replacement))})"

    def matches(self, expr: str, pattern: str) -> str:
        return f"regexp_like({expr}, {literal(pattern)})"

    def quantile(self, expr: str, q: float) -> str:
        # Exact, like DuckDB's quantile_cont (percentile_approx would move auto windows).
        return f"percentile({expr}, {float(q)!r})"

    def hash64(self, expr: str) -> str:
        return f"xxhash64({expr})"


def _timed(what: str, t0: float, query: str) -> None:
    """Each statement's wall time at debug level (``lockstep -vv detect``): where Spark's time goes."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("spark %s: %.3f s: %s", what, time.perf_counter() - t0, " ".join(query.split())[:160])


def _java_replacement(replacement: str) -> str:
    """Java regex replacements treat ``$`` and ``\\`` specially; DuckDB's use ``\\1`` for groups."""
    return replacement.replace("\\", "\\\\").replace("$", "\\$")


def _spark_safe(table: pa.Table) -> pa.Table:
    """Arrow types Spark cannot take as they are: large strings and unsigned ints."""
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_large_string(t):
            t = pa.string()
        elif pa.types.is_unsigned_integer(t):
            t = pa.int64()
        elif pa.types.is_dictionary(t):
            t = t.value_type
        fields.append(pa.field(f.name, t))
    schema = pa.schema(fields)
    return table if schema == table.schema else table.cast(schema)


def _naive_times(table: pa.Table) -> pa.Table:
    """Spark hands timestamps back in UTC with a zone; the store's times are naive UTC."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            table = table.set_column(i, f.name, table.column(i).cast(pa.timestamp("us", tz="UTC"))
                                     .cast(pa.timestamp("us")))
    return table


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:400] if text else type(exc).__name__


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise EngineError(f"Table name {name!r} is not a plain identifier (letters, digits, '_').")
    return name
