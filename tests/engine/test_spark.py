"""The Spark engine against DuckDB, helper by helper, and the Parquet (data-lake) path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.engine.factory import EngineChoice, parse_conf
from lockstep.engine.spark import SparkEngine, to_spark_sql
from lockstep.errors import ConfigError, EngineError
from lockstep.model import POST_SCHEMA, Post
from lockstep.store import Store

ROWS = pa.table({
    "t": pa.array([datetime(2024, 3, 1, 12, 0, 0, 250000), datetime(1999, 12, 31, 23, 59, 59)], pa.timestamp("us")),
    "tags": pa.array([["b", "a", "b"], []], pa.list_(pa.string())),
    "text": pa.array(["RT @x: see  https://a.b/c ok", "plain"], pa.string()),
    "n": pa.array([1.0, 3.0]),
})


def _both(spark: Any) -> tuple[DuckDBEngine, SparkEngine]:
    d, s = DuckDBEngine(), SparkEngine(spark)
    d.write("r", ROWS)
    s.write("r", ROWS)
    return d, s


def test_helpers_mean_the_same_on_both_engines(spark: Any) -> None:
    d, s = _both(spark)

    def q(e: Any) -> list[dict[str, Any]]:
        return e.sql(
            f"SELECT {e.epoch('t')} AS ep, {e.set_key('tags')} AS sk, {e.list_key('tags')} AS lk, "
            f"{e.replace_all('text', '[ ]+', ' ')} AS rp, {e.matches('text', '^RT @')} AS m, "
            f"CAST(FLOOR({e.epoch('t')} / 60) AS BIGINT) AS slot, array_length(tags) AS k "
            "FROM r ORDER BY ep").to_pylist()

    assert q(d) == q(s)
    for e in (d, s):
        assert e.sql(f"SELECT {e.quantile('n', 0.5)} AS x FROM r").column("x")[0].as_py() == 2.0
        assert sorted(e.sql(f"SELECT {e.explode('tags')} AS v FROM r").column("v").to_pylist()) == ["a", "b", "b"]
        hashed = e.sql(f"SELECT {e.hash64('text')} AS h FROM r").column("h").to_pylist()
        assert len(set(hashed)) == 2 and all(isinstance(h, int) for h in hashed)


def test_work_tables_and_parameters(spark: Any) -> None:
    _, s = _both(spark)
    s.materialize("r2", "SELECT n * 2 AS m FROM r WHERE n > ?", [1.5])
    assert s.table("r2").column("m").to_pylist() == [6.0]
    s.drop("r2")
    with pytest.raises(EngineError, match="Spark failed"):
        s.sql("SELECT * FROM r2")
    with pytest.raises(EngineError, match="plain identifier"):
        s.write("r; DROP", ROWS)


def test_translation_keeps_the_spark_helpers_and_fixes_duckdb_spellings() -> None:
    e = SparkEngine.__new__(SparkEngine)
    out = to_spark_sql(f"SELECT {e.hash64('x')}, {e.epoch('t')}, CAST(s AS VARCHAR), array_length(u) FROM p "
                       "ORDER BY a")
    assert "XXHASH64(x)" in out and "UNIX_MICROS(t)" in out and "AS STRING" in out and "SIZE(u)" in out
    assert "NULLS LAST" in out  # DuckDB sorts NULLs last; Spark would put them first


def test_choice_and_conf_are_checked() -> None:
    assert parse_conf(("spark.executor.memory=8g", "a.b = c")) == {"spark.executor.memory": "8g", "a.b": "c"}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_conf(("spark.executor.memory",))
    with pytest.raises(ConfigError, match="Unknown engine"):
        EngineChoice(name="presto")
    with pytest.raises(ConfigError, match="--engine spark"):
        EngineChoice(name="duckdb", posts="lake/posts")


def test_partitioned_parquet_reads_back_as_the_store_holds_it(tmp_path: Path, spark: Any) -> None:
    from lockstep.engine.parquet import read_posts

    posts = [Post("x", f"p{i}", f"a{i % 3}", datetime(2024, 3, 1 + i % 2, 23, 59, 59, 5), text=f"t{i}",
                  urls=[f"https://e.com/{i}"], dataset=ds) for i in range(6) for ds in ("one", "two")]
    table = pa.Table.from_pylist([_row(p) for p in posts], schema=POST_SCHEMA)
    with Store(tmp_path / "s.duckdb") as store:
        store.append("posts", table)
        n = store.export_posts(tmp_path / "lake", "parquet", partition_by=["dataset", "day"])
        want = store.con.execute("SELECT * FROM posts WHERE dataset = 'two' ORDER BY post_id").to_arrow_table()
    assert n == 12
    assert (tmp_path / "lake" / "dataset=two" / "day=2024-03-02").is_dir()
    for path in (str(tmp_path / "lake"), str(tmp_path / "lake") + "/dataset=*/day=*/*.parquet"):
        got = read_posts(spark, path, "two").orderBy("post_id").toArrow()
        assert got.column_names == want.column_names
        assert got.column("time").cast(pa.timestamp("us", "UTC")).cast(pa.timestamp("us")).to_pylist() == \
            want.column("time").to_pylist()
        assert got.column("urls").to_pylist() == want.column("urls").to_pylist()


def _row(p: Post) -> dict[str, Any]:
    return {k: getattr(p, k) for k in POST_SCHEMA.names}
