"""The one place an engine is chosen and given a dataset: detectors never construct engines.

``EngineChoice`` comes from settings (``engine``, ``spark_master``) overridden by the command line
(``--engine``, ``--spark-master``, ``--spark-conf``). :func:`open_engine` builds the engine and
makes the dataset's posts and accounts queryable as the views ``_ls_posts`` and
``_ls_accounts``, from the store or, on Spark, from a Parquet dataset (``--posts``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lockstep.engine.base import Engine
from lockstep.errors import ConfigError
from lockstep.sql import literal

ENGINES = ("duckdb", "spark")
POSTS_VIEW = "_ls_posts"
ACCOUNTS_VIEW = "_ls_accounts"


@dataclass(frozen=True)
class EngineChoice:
    """Which engine runs detection and how it is set up."""

    name: str = "duckdb"
    #: DuckDB's memory cap during detection (joins spill to disk beyond it).
    memory_limit: str | None = "3GB"
    #: Spark master URL: ``local[*]``, ``local[2]``, ``spark://host:7077``, ``yarn``.
    spark_master: str = "local[*]"
    #: Extra Spark settings (``--spark-conf KEY=VALUE``).
    spark_conf: Mapping[str, str] = field(default_factory=dict)
    #: Parquet posts (path, glob or Hadoop URI) read instead of the store's (Spark only).
    posts: str | None = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ConfigError(f"Unknown engine {self.name!r}. Choose one of: {', '.join(ENGINES)}.")
        if self.posts and self.name != "spark":
            raise ConfigError("--posts reads Parquet through Spark: add --engine spark "
                              "(or ingest the posts into the store for the DuckDB engine).")

    def as_dict(self) -> dict[str, Any]:
        return {"engine": self.name, "spark_master": self.spark_master if self.name == "spark" else None,
                "spark_conf": dict(self.spark_conf), "posts": self.posts}


def parse_conf(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--spark-conf KEY=VALUE`` (repeatable) as a dict; a value without ``=`` is refused."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--spark-conf takes KEY=VALUE, e.g. spark.executor.memory=8g. Got {item!r}.")
        out[key.strip()] = value.strip()
    return out


@contextmanager
def open_engine(choice: EngineChoice, store: Any, dataset: str, *, since: str | None = None) -> Iterator[Engine]:
    """The chosen engine with ``_ls_posts`` / ``_ls_accounts`` holding ``dataset`` (its posts at or
    after ``since``, an ISO 8601 UTC time, when given); the views are dropped on the way out, also
    after an error."""
    engine: Any
    if choice.name == "duckdb":
        from lockstep.engine.duckdb import DuckDBEngine

        engine = DuckDBEngine.for_store(store, memory_limit=choice.memory_limit)
        where = f"WHERE dataset = {literal(dataset)}"
        window = f" AND time >= CAST({literal(since)} AS TIMESTAMP)" if since else ""
        engine.execute(f"CREATE OR REPLACE TEMP VIEW {POSTS_VIEW} AS SELECT * FROM posts {where}{window}")
        engine.execute(f"CREATE OR REPLACE TEMP VIEW {ACCOUNTS_VIEW} AS SELECT * FROM accounts {where}")
    else:
        from lockstep.engine.spark import SparkEngine, spark_session

        engine = SparkEngine(spark_session(choice.spark_master, choice.spark_conf))
        _spark_views(engine, choice, store, dataset, since)
    try:
        yield engine
    finally:
        engine.drop(POSTS_VIEW)
        engine.drop(ACCOUNTS_VIEW)
        if hasattr(engine, "close"):
            engine.close()


def _spark_views(engine: Any, choice: EngineChoice, store: Any, dataset: str, since: str | None) -> None:
    """Posts from Parquet (``choice.posts``) or from the store; accounts from the store (a
    Parquet dataset carries no profiles: only disclosed-automation checks need them)."""
    if choice.posts:
        from lockstep.engine.parquet import read_posts

        df = read_posts(engine.spark, choice.posts, dataset)
        if since:
            df = df.where(f"time >= CAST({literal(since)} AS TIMESTAMP)")
        engine.register(POSTS_VIEW, df)
    else:
        window, params = (" AND time >= CAST(? AS TIMESTAMP)", [dataset, since]) if since else ("", [dataset])
        posts = store.con.execute(f"SELECT * FROM posts WHERE dataset = ?{window}", params).to_arrow_table()
        engine.write(POSTS_VIEW, posts)
    accounts = store.con.execute("SELECT * FROM accounts WHERE dataset = ?", [dataset]).to_arrow_table()
    engine.write(ACCOUNTS_VIEW, accounts)
