"""Why the Spark engine translates the detectors' SQL (sqlglot) instead of DataFrame code: measured.

    python bench/spark_dialect.py                 # 20k synth posts, the default traces

1. Records every statement a DuckDB ``detect`` run sends to the engine (the detectors' SQL, one
   source), then times translating each to Spark SQL with sqlglot, uncached: the cost of the
   translation per query and per run, and how many distinct statements a DataFrame port would have
   to re-write (and keep in step) by hand.
2. Runs the heaviest step of every co-occurrence trace - the windowed event pairs - on Spark both
   ways, as the translated SQL and as hand-written DataFrame code, and compares Spark's optimized
   physical plans (expression ids removed) and wall times: equal plans mean equal speed, because
   both go through the same optimizer.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def record_queries(posts: int, seed: int) -> list[str]:
    import subprocess

    from lockstep.engine.duckdb import DuckDBEngine
    from lockstep.networks.detect import DetectOptions, run_detection
    from lockstep.store import Store

    seen: list[str] = []
    for meth in ("sql", "execute", "materialize"):
        orig = getattr(DuckDBEngine, meth)

        def wrap(self: Any, *a: Any, _orig: Any = orig, _m: str = meth, **k: Any) -> Any:
            seen.append(a[1] if _m == "materialize" else a[0])
            return _orig(self, *a, **k)

        setattr(DuckDBEngine, meth, wrap)
    ls = [sys.executable, "-m", "lockstep"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*ls, "synth", "--posts", str(posts), "--seed", str(seed), "--out", f"{tmp}/s"],
                       check=True, capture_output=True)
        subprocess.run([*ls, "ingest", f"{tmp}/s/posts.parquet", f"{tmp}/s/accounts.parquet", "--db",
                        f"{tmp}/s.duckdb", "--dataset", "bench", "--json"], check=True, capture_output=True)
        with Store(Path(tmp) / "s.duckdb") as store:
            run_detection(store, "bench", DetectOptions(signals=False))
    return [q for q in seen if not q.lstrip().upper().startswith("SET ")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    import sqlglot

    queries = record_queries(args.posts, args.seed)
    distinct = sorted(set(queries))
    shapes = {re.sub(r"\d+(\.\d+)?", "N", re.sub(r"_ls_[a-z_]+", "T", q)) for q in distinct}
    sqlglot.transpile("SELECT 1", read="duckdb", write="spark")  # import and dialect set-up
    sys.setrecursionlimit(20_000)
    cost = []
    for q in distinct:
        t0 = time.perf_counter()
        sqlglot.transpile(q, read="duckdb", write="spark")
        cost.append(time.perf_counter() - t0)
    print(f"1. a DuckDB detect run ({args.posts:,} posts, default traces) sent {len(queries)} statements, "
          f"{len(distinct)} distinct ({len(shapes)} once table names and numbers are ignored)")
    print(f"   translation: median {statistics.median(cost) * 1e3:.1f} ms, max {max(cost) * 1e3:.0f} ms, "
          f"all distinct statements {sum(cost):.2f} s (once per run: the engine caches by text)")
    windowed_pairs_both_ways()


def windowed_pairs_both_ways() -> None:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from lockstep.engine.spark import SparkEngine, spark_session, to_spark_sql

    spark = spark_session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.driver.host": "127.0.0.1",
                                       "spark.driver.bindAddress": "127.0.0.1",
                                       "spark.ui.showConsoleProgress": "false"})
    spark.sparkContext.setLogLevel("ERROR")
    eng = SparkEngine(spark)
    n = 400_000
    # 50k items of 8 events each, 30 s apart: every event has neighbours within the window.
    ev = spark.range(n).select(((F.col("id") + (F.col("id") / 50_000).cast("long") * 13) % 20_000).alias("node"),
                               ((F.col("id") / 50_000).cast("long") * 30.0).alias("ts"),
                               (F.col("id") % 50_000).alias("iid"))
    eng.register("ev", ev)
    eng.materialize("items", "SELECT iid, COUNT(*) AS c FROM ev GROUP BY iid")
    ordered = ("SELECT e.node, e.ts, e.iid, i.c, ROW_NUMBER() OVER (PARTITION BY e.iid ORDER BY e.ts, e.node) AS rn "
               "FROM ev e JOIN items i ON e.iid = i.iid")
    eng.materialize("ord", ordered)
    eng.write("off", __import__("pyarrow").table({"d": list(range(1, 33))}))
    pairs_sql = ("SELECT CASE WHEN a.node < b.node THEN a.node ELSE b.node END AS lo, "
                 "CASE WHEN a.node < b.node THEN b.node ELSE a.node END AS hi, a.iid AS iid, "
                 "COUNT(DISTINCT CASE WHEN b.ts - a.ts <= 60.0 THEN FLOOR(a.ts / 60.0) END) AS ep0 "
                 "FROM ord a JOIN off o ON o.d <= a.c - a.rn JOIN ord b ON b.iid = a.iid AND b.rn = a.rn + o.d "
                 "WHERE b.ts - a.ts <= 720.0 AND a.node <> b.node GROUP BY 1, 2, 3")
    via_sql = spark.sql(to_spark_sql(pairs_sql))
    a, o, b = spark.table("ord").alias("a"), spark.table("off").alias("o"), spark.table("ord").alias("b")
    lo = F.when(F.col("a.node") < F.col("b.node"), F.col("a.node")).otherwise(F.col("b.node")).alias("lo")
    hi = F.when(F.col("a.node") < F.col("b.node"), F.col("b.node")).otherwise(F.col("a.node")).alias("hi")
    via_df = (a.join(o, F.col("o.d") <= F.col("a.c") - F.col("a.rn"))
              .join(b, (F.col("b.iid") == F.col("a.iid")) & (F.col("b.rn") == F.col("a.rn") + F.col("o.d")))
              .where((F.col("b.ts") - F.col("a.ts") <= 720.0) & (F.col("a.node") != F.col("b.node")))
              .groupBy(lo, hi, F.col("a.iid").alias("iid"))
              .agg(F.countDistinct(F.when(F.col("b.ts") - F.col("a.ts") <= 60.0, F.floor(F.col("a.ts") / 60.0)))
                   .alias("ep0")))
    _ = Window  # the ranking above is SQL in both variants (the same window either way)

    def plan(df: Any) -> str:
        text = df._jdf.queryExecution().executedPlan().toString()
        return re.sub(r"#\d+L?|\[id=#?\d+\]|plan_id=\d+", "", text)

    same = plan(via_sql) == plan(via_df)
    times: dict[str, list[float]] = {"sql": [], "dataframe": []}
    for _ in range(3):
        for name, df in (("sql", via_sql), ("dataframe", via_df)):
            t0 = time.perf_counter()
            rows = df.count()
            times[name].append(time.perf_counter() - t0)
    print(f"2. windowed pairs of {n:,} events ({rows:,} pair-item rows) on local[2]: physical plans "
          f"{'identical' if same else 'DIFFERENT'}; best of 3: SQL {min(times['sql']):.2f} s, "
          f"DataFrame {min(times['dataframe']):.2f} s")


if __name__ == "__main__":
    main()
