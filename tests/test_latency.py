"""``lockstep evaluate --latency``: first post of each planted operation to its first alert, in post time."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.errors import SourceError, StoreError
from lockstep.follow.rules import ALERT_SCHEMA
from lockstep.latency import latency
from lockstep.store import Store


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    db, truth = tmp_path / "l.duckdb", tmp_path / "truth.csv"
    truth.write_text("platform,account_id,network_id,operation_style\n"
                     "x,a1,1,copypasta\nx,a2,1,copypasta\nx,a3,1,copypasta\n"
                     "x,b1,2,link_farm\nx,b2,2,link_farm\n"
                     "x,o1,0,organic\nx,o2,0,organic\nx,o3,0,organic\nx,o4,0,organic\n")
    with Store(db) as store:
        posts = [("a1", "2024-03-01 10:00"), ("a2", "2024-03-01 11:00"), ("a3", "2024-03-02 00:00"),
                 ("b1", "2024-03-03 00:00"), ("b2", "2024-03-03 01:00"), ("o1", "2024-03-01 00:00")]
        for i, (acc, t) in enumerate(posts):
            store.con.execute("INSERT INTO posts (dataset, platform, post_id, account_id, time) VALUES "
                              "('d', 'x', ?, ?, ?)", [f"p{i}", acc, t])
        alerts = [
            # names one account of op 1 and an organic one: not enough to count as detecting op 1
            {"alert_id": "a", "data_time": datetime(2024, 3, 1, 11), "accounts": ["x:a1", "x:o1"]},
            {"alert_id": "b", "data_time": datetime(2024, 3, 1, 12, 30), "accounts": ["x:a1", "x:a2", "x:o1"]},
            {"alert_id": "c", "data_time": datetime(2024, 3, 2, 12), "accounts": ["x:a3", "x:a1", "x:a2"]},
        ]
        store.append("alerts", pa.Table.from_pylist(
            [{**a, "dataset": "d", "rule": "new_network", "network_id": 1, "raised_at": datetime(2026, 1, 1)}
             for a in alerts], schema=ALERT_SCHEMA))
    return db, truth


def test_latency_per_operation_and_organic_share(tmp_path: Path) -> None:
    db, truth = _setup(tmp_path)
    with Store(db, read_only=True) as store:
        res = latency(store, truth)
    ops = {o["operation"]: o for o in res["per_operation"]}
    assert ops[1]["latency_hours"] == 2.5 and ops[1]["alert"] == "b"  # 10:00 -> 12:30
    assert ops[2]["latency_hours"] is None and ops[2]["first_alert"] is None
    assert (res["detected"], res["operations"], res["median_hours"], res["max_hours"]) == (1, 2, 2.5, 2.5)
    assert res["organic_alerted"] == 1 and res["organic_alerted_share"] == 0.25
    assert res["per_style"]["link_farm"] == {"operations": 1, "detected": 0, "max_hours": None, "median_hours": None}
    out = CliRunner().invoke(cli, ["evaluate", "--latency", "--truth", str(truth), "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["median_hours"] == 2.5


def test_latency_needs_planted_truth_and_alerts(tmp_path: Path) -> None:
    db, truth = _setup(tmp_path)
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\na1,1\n")
    with Store(db) as store:
        with pytest.raises(SourceError, match="planted operations"):
            latency(store, labels)
        store.con.execute("DELETE FROM alerts")
        with pytest.raises(StoreError, match="lockstep follow"):
            latency(store, truth)
