"""apply_signals: signals re-rank detected networks and members, never change membership, are
idempotent, and show in `lockstep signals`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.signals.apply import apply_signals
from lockstep.signals.network import network_signal_summary
from lockstep.store import Store
from tests.signals.planted import DS, add_accounts, add_network, add_posts, operator_times, organic_world


def _world(store: Store) -> None:
    rng = np.random.default_rng(11)
    organic_world(store, rng, n=120)
    t0 = datetime(2016, 3, 2, 14, 5)
    ops = [f"op{i}" for i in range(8)]
    add_accounts(store, [{"account_id": a, "handle": f"maria{int(rng.integers(10**7, 10**8))}",
                          "created_at": t0 + timedelta(minutes=4 * i),
                          "bio": "Proud American patriot and mother. God bless the USA, family first!"}
                         for i, a in enumerate(ops)])
    for a in ops:
        add_posts(store, a, operator_times(rng, 3.0, per_day=2))
    add_network(store, 1, ops, 2.0)  # coordination 2.0 with strong signals
    add_network(store, 2, [f"org{i}" for i in range(8)], 2.0)  # same coordination, ordinary people


def test_rerank_keeps_membership_and_is_idempotent(store: Store) -> None:
    _world(store)
    before = store.rows("SELECT network_id, account_id FROM members ORDER BY 1, 2")
    apply_signals(store, DS)
    nets = {n: (s, c, ss) for n, s, c, ss in store.rows(
        "SELECT network_id, score, coordination_score, signal_score FROM networks")}
    assert nets[1][0] > nets[2][0]  # same coordination; inauthenticity ranks the operation first
    assert nets[1][2] > 0.3 and nets[2][2] < 0.1
    assert nets[1][0] <= 2 * nets[1][1]  # signals at most double a score built on coordination
    assert store.rows("SELECT network_id, account_id FROM members ORDER BY 1, 2") == before
    m = dict(store.rows("SELECT account_id, score FROM members"))
    assert min(m[f"op{i}"] for i in range(8)) > max(m[f"org{i}"] for i in range(8))
    first = store.rows("SELECT * FROM members ORDER BY account_id")
    apply_signals(store, DS)
    assert store.rows("SELECT * FROM members ORDER BY account_id") == first
    assert store.scalar("SELECT score FROM networks WHERE network_id = 1") == nets[1][0]
    s = network_signal_summary(store, DS, 1)
    assert s["signals"]["creation_burst"]["share_flagged"] == 1.0
    assert s["signals"]["reused_identity"]["examples"][0]["sentence"].startswith("Profile:")
    assert s["creation_histogram"] == [{"month": "2016-03", "accounts": 8}]


def test_without_networks_only_account_signals(store: Store) -> None:
    rng = np.random.default_rng(12)
    organic_world(store, rng, n=30)
    apply_signals(store, DS)
    names = {r[0] for r in store.rows("SELECT DISTINCT signal FROM account_signals")}
    assert {"creation_burst", "handle_pattern", "cadence", "operator_clock"} <= names


def test_cli_signals(tmp_path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        _world(store)
    runner = CliRunner()
    res = runner.invoke(cli, ["signals", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["dataset"] == DS and all(r["flagged"] for r in doc["signals"])
    assert {"op0"} <= {r["account_id"] for r in doc["signals"]}
    res = runner.invoke(cli, ["signals", "--db", str(db), "--account", "op0", "--json"])
    one = json.loads(res.stdout)["signals"]
    assert {r["signal"] for r in one} >= {"creation_burst", "operator_clock"}
    assert all(0 < r["percentile"] <= 100 and r["sentence"].endswith("in this dataset).") for r in one)
    res = runner.invoke(cli, ["signals", "--db", str(db), "--account", "nobody"])
    assert res.exit_code != 0 and "No account 'nobody'" in str(res.exception)
