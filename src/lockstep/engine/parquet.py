"""The data-lake path: posts read from, and detection results written to, Parquet through Spark.

Posts come as written by ``lockstep export posts --format parquet [--partition-by dataset,day]``
(Lockstep's own column layout, Hive partitions allowed) from a local path, a glob or any Hadoop
filesystem URI the Spark session is configured for (``s3a://``, ``hdfs://``, ``abfss://``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lockstep.errors import SourceError
from lockstep.model import POST_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_GLOB = set("*?[{")


def read_posts(spark: SparkSession, path: str, dataset: str) -> DataFrame:
    """``dataset``'s posts from the Parquet at ``path``, with exactly the store's post columns.

    A file without a ``dataset`` column (a plain ``export posts --dataset X``) is taken to hold
    only ``dataset``. Under a glob, Hive partitions are found from the folder above the first
    wildcard (Spark's ``basePath``)."""
    reader = spark.read
    if any(ch in path for ch in _GLOB):
        cut = min(path.index(ch) for ch in _GLOB if ch in path)
        reader = reader.option("basePath", path[:cut].rsplit("/", 1)[0] + "/")
    try:
        df = reader.parquet(path)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"Cannot read posts from Parquet at '{path}': {first}. Give a folder, file or glob "
                          "written by `lockstep export posts --format parquet`.") from exc
    missing = [n for n in POST_SCHEMA.names if n != "dataset" and n not in df.columns]
    if missing:
        raise SourceError(f"The Parquet posts at '{path}' lack the column(s) {', '.join(missing)}: write them "
                          "with `lockstep export posts --format parquet` (Lockstep's own layout).")
    from pyspark.sql import functions as F

    if "dataset" in df.columns:
        df = df.where(F.col("dataset") == F.lit(dataset))
    else:
        df = df.withColumn("dataset", F.lit(dataset))
    # Naive times in the files are UTC (the session's zone): TIMESTAMP, as on the store's side.
    cols = [F.col(n).cast("timestamp").alias(n) if n == "time" else F.col(n) for n in POST_SCHEMA.names]
    return df.select(*cols)


def write_results(spark: SparkSession, out: str, dataset: str, tables: dict[str, pa.Table]) -> None:
    """Each table as a Parquet folder ``out/NAME/dataset=DATASET`` (replaced if present)."""
    for name, table in tables.items():
        if table.num_columns == 0:
            continue
        frame: Any = spark.createDataFrame(_plain(table))
        try:
            frame.write.mode("overwrite").parquet(f"{out.rstrip('/')}/{name}/dataset={dataset}")
        except Exception as exc:
            raise SourceError(f"Cannot write {name} as Parquet under '{out}': {str(exc).splitlines()[0][:300]}. "
                              "Check the path and the filesystem settings (--spark-conf).") from exc


def _plain(table: pa.Table) -> pa.Table:
    """Drop the ``dataset`` column (it is the partition) and zones Spark would add."""
    if "dataset" in table.column_names:
        table = table.drop_columns(["dataset"])
    return table.replace_schema_metadata(None)
