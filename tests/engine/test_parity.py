"""The contract between engines: detection on Spark finds what it finds on DuckDB.

One ``lockstep synth`` dataset is ingested once, detected with ``--engine duckdb`` and with
``--engine spark`` (``local[2]``), and compared (:mod:`lockstep.testing.parity`): significant edges
per trace (Jaccard >= 0.99), networks (adjusted Rand >= 0.99) and the benchmark F1 (equal to 3
decimals). CI size: 20k posts and the traces below, which cover every code path an engine serves
(windowed co-occurrence with and without the slow scale, time slots, text normalization and
near-duplicates, list keys, explode, the time-free similarity traces, evidence and the disclosed
check); ``bench/spark_parity.py`` runs all default traces at 100k posts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from lockstep.testing.parity import parity

from .conftest import TEST_CONF, TEST_MASTER

POSTS = 20_000
TRACES = "co_link,co_text,co_hashtag,co_repost,sync,sim_link"


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.slow
def test_spark_finds_what_duckdb_finds(tmp_path: Path, spark: Any) -> None:
    out = tmp_path / "synth"
    _run(["synth", "--posts", str(POSTS), "--seed", "7", "--out", str(out)])
    duck, sprk = tmp_path / "duck.duckdb", tmp_path / "spark.duckdb"
    _run(["ingest", str(out / "posts.parquet"), str(out / "accounts.parquet"), "--db", str(duck),
          "--dataset", "bench", "--json"])
    # The Spark side's store holds only the account profiles: its posts live in the lake.
    _run(["ingest", str(out / "accounts.parquet"), "--db", str(sprk), "--dataset", "bench", "--json"])
    base = ["detect", "--json", "--no-signals", "--traces", TRACES]
    a = json.loads(_run([*base, "--db", str(duck)]))
    conf = [x for k, v in TEST_CONF.items() for x in ("--spark-conf", f"{k}={v}")]
    # Spark reads the posts from a Hive-partitioned Parquet export (the data-lake path) and writes
    # its results both to Parquet and to its store.
    lake = tmp_path / "lake"
    _run(["export", "posts", "--db", str(duck), "--format", "parquet", "--partition-by", "dataset,day",
          "--out", str(lake / "posts")])
    b = json.loads(_run([*base, "--db", str(sprk), "--engine", "spark", "--spark-master", TEST_MASTER, *conf,
                         "--posts", str(lake / "posts"), "--dataset", "bench", "--results", str(lake / "results")]))
    assert b["params"]["engine"] == "spark" and a["params"]["engine"] == "duckdb"
    assert b["networks"] == len(pq.read_table(lake / "results" / "networks" / "dataset=bench"))
    # The commands that read results work on a store without the posts.
    nets = json.loads(_run(["networks", "--db", str(sprk), "--dataset", "bench", "--json"]))["networks"]
    assert len(nets) == b["networks"]
    _run(["report", "--db", str(sprk), "--dataset", "bench", "--out", str(tmp_path / "report.html")])
    _run(["export", "stix", "--db", str(sprk), "--dataset", "bench", "--out", str(tmp_path / "bundle.json")])
    bundle = json.loads((tmp_path / "bundle.json").read_text())
    assert sum(o["type"] == "intrusion-set" for o in bundle["objects"]) == b["networks"]
    with Store(duck) as sa, Store(sprk) as sb:
        p = parity(sa, sb, "bench", out / "truth.csv")
    assert a["edges"] > 0 and a["networks"] > 0, a
    for trace, j in p.jaccard.items():
        assert j >= 0.99, (trace, p.as_dict())
    assert p.adjusted_rand >= 0.99, p.as_dict()
    assert p.f1 is not None and round(p.f1[0], 3) == round(p.f1[1], 3), p.as_dict()
