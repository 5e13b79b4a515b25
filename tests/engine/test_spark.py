"""The Spark engine against DuckDB, helper by helper, and the Parquet (data-lake) path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.engine.factory import EngineChoice, parse_conf
from lockstep.engine.spark import SparkEngine, local_conf, to_spark_sql
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


def test_local_masters_get_few_shuffle_partitions_and_clusters_keep_their_own() -> None:
    assert local_conf("local[3]")["spark.sql.shuffle.partitions"] == "6"
    assert local_conf("local[4,2]")["spark.default.parallelism"] == "4"
    assert local_conf("local")["spark.sql.shuffle.partitions"] == "2"
    assert int(local_conf("local[*]")["spark.driver.memory"].removesuffix("m")) >= 1024
    for master in ("spark://h:7077", "yarn", "local-cluster[2,1,1024]"):
        assert local_conf(master) == {}


def test_detect_from_parquet_counts_the_lake_and_skips_signals(tmp_path: Path, spark: Any) -> None:
    from click.testing import CliRunner

    from lockstep.cli.main import cli
    from lockstep.networks.detect import SIGNALS_SKIPPED_LAKE

    def run(args: list[str]) -> str:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    run(["synth", "--posts", "5000", "--seed", "5", "--out", str(tmp_path / "synth")])
    src, lake = tmp_path / "src.duckdb", tmp_path / "lake"
    run(["ingest", str(tmp_path / "synth" / "posts.parquet"), "--db", str(src), "--dataset", "d", "--json"])
    run(["export", "posts", "--db", str(src), "--format", "parquet", "--out", str(lake)])
    with Store(src) as store:
        accounts = store.scalar("SELECT COUNT(DISTINCT platform || '/' || account_id) FROM posts")
    conf = [x for kv in ("spark.sql.shuffle.partitions=2", "spark.ui.showConsoleProgress=false")
            for x in ("--spark-conf", kv)]
    out = run(["detect", "--db", str(tmp_path / "empty.duckdb"), "--engine", "spark", "--spark-master", "local[2]",
               *conf, "--posts", str(lake), "--dataset", "d", "--traces", "co_link"])
    assert f"of {accounts} accounts flagged" in out and accounts > 0
    assert f"Account signals {SIGNALS_SKIPPED_LAKE}." in out


def test_salted_ranking_gives_the_single_windows_ranks(spark: Any) -> None:
    from lockstep.traces.cooccur import RANK_SLOT_S, _rank_events

    # Two items over several hours, ties in time broken by node and post; one item above the cap.
    ev = pa.table({
        "node": pa.array([3, 1, 2, 1, 2, 3, 1, 4, 5, 6, 7, 8], pa.int64()),
        "post_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "q1", "q2", "q3", "q4", "q5"],
        "ts": [0.0, 0.0, RANK_SLOT_S - 1, RANK_SLOT_S, RANK_SLOT_S, 5 * RANK_SLOT_S + 7, 5 * RANK_SLOT_S + 7,
               1.0, 2.0, 3.0, 4.0, 5.0],
        "iid": pa.array([10] * 7 + [20] * 5, pa.int64()),
    })
    items = pa.table({"iid": pa.array([10, 20], pa.int64()), "k": pa.array([3, 5], pa.int64()),
                      "c": pa.array([7, 5], pa.int64())})
    got = []
    for e in (DuckDBEngine(), SparkEngine(spark)):
        e.write("_t_ev", ev)
        e.write("_t_items", items)
        _rank_events(e, "_t", 4)
        got.append(sorted(e.table("_t_ord").select(["node", "ts", "iid", "c", "rn"]).to_pylist(),
                          key=lambda r: (r["iid"], r["rn"])))
    duck, sprk = got
    assert DuckDBEngine.distributed is False and SparkEngine.distributed is True
    assert [r["rn"] for r in duck] == list(range(1, 8))
    assert [(r["node"], r["ts"]) for r in duck][:3] == [(1, 0.0), (3, 0.0), (2, RANK_SLOT_S - 1)]
    assert sprk == duck
