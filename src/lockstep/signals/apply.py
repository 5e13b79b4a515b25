"""The scoring hook ``lockstep detect`` calls after writing networks: compute, aggregate, re-rank.

Contract with detection: ``apply_signals(store, dataset)`` (1) computes every registered account
signal into ``account_signals``; (2) if the dataset has networks, writes ``utc_offset_hours``,
``utc_offset_confidence``, ``signal_score`` and ``attribution_hint`` per network; (3) re-scores
``networks.score`` and ``members.score``. Signals never create, remove or split a network and
never change who is a member — they only re-rank, so detection's F1 cannot change.

Weights (documented in docs/signals.md):

* network: ``score = coordination × (1 + NETWORK_WEIGHT × signal_score)``, signal_score in 0..1;
* member: ``score = coordination × (1 + MEMBER_WEIGHT × (½·network signal_score + ½·account
  signal score))``; the account signal score is the ``SIGNAL_WEIGHTS``-weighted share of its
  signals that are flagged.

A network with the same coordination but strong inauthenticity signals thus ranks up to twice as
high; coordination stays the factor every score is built on (zero coordination, zero score).

Idempotent: the coordination scores are kept in ``signal_rescores`` and reused when the score
found in ``networks``/``members`` is still the one this hook wrote, so running it twice does not
compound; after a fresh ``detect`` the new scores are taken as the coordination scores.
"""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow as pa

from lockstep import registry
from lockstep.signals.base import finish
from lockstep.signals.network import SIGNAL_WEIGHTS, aggregate_networks
from lockstep.store import Store

log = logging.getLogger(__name__)

NETWORK_WEIGHT = 1.0
MEMBER_WEIGHT = 1.0

#: Tables this stage owns besides ``account_signals`` (kept out of the shared TABLES on purpose).
SIGNAL_TABLES = {
    "signal_rescores": """
        dataset VARCHAR NOT NULL, kind VARCHAR NOT NULL, network_id INTEGER NOT NULL,
        platform VARCHAR, account_id VARCHAR, coordination_score DOUBLE, signal_score DOUBLE,
        combined_score DOUBLE""",
}


def compute_account_signals(store: Store, dataset: str, names: list[str] | None = None) -> int:
    """Run the signals (all registered ones by default) and replace this dataset's rows."""
    store.ensure_tables(SIGNAL_TABLES)
    store.con.execute("ALTER TABLE account_signals ADD COLUMN IF NOT EXISTS extra JSON")
    plugins = registry.plugins("lockstep.signals")
    tables = []
    for name in names or list(plugins):
        signal = registry.get("lockstep.signals", name)()
        log.info("signal %s on dataset %s", name, dataset)
        tables.append(finish(signal, dataset, signal.compute(store, dataset)))
    data = pa.concat_tables(tables) if tables else pa.table({})
    if names:
        with store.transaction() as con:
            con.execute("DELETE FROM account_signals WHERE dataset = ? AND list_contains(?, signal)",
                        [dataset, names])
            if data.num_rows:
                store.append("account_signals", data)
    else:
        store.replace_rows("account_signals", dataset, data)
    return data.num_rows


def account_signal_scores(store: Store, dataset: str) -> pd.DataFrame:
    """Per account: the ``SIGNAL_WEIGHTS``-weighted share of its signals that are flagged (0..1)."""
    df = store.con.execute(
        "SELECT platform, account_id, signal, flagged FROM account_signals WHERE dataset = ?", [dataset]).df()
    total = sum(SIGNAL_WEIGHTS.values())
    df["w"] = df["signal"].map(SIGNAL_WEIGHTS).fillna(0.0) * df["flagged"].astype(float)
    return (df.groupby(["platform", "account_id"])["w"].sum() / total).rename("account_signal_score").reset_index()


def _base(current: pd.Series, stored: pd.DataFrame, keys: list[str], frame: pd.DataFrame) -> pd.Series:
    """Coordination score: the stored one if the current score is still ours, else the current."""
    merged = frame[keys].assign(current=current.to_numpy()).merge(stored, on=keys, how="left")
    ours = (merged["combined_score"] - merged["current"]).abs() < 1e-9
    return merged["coordination_score"].where(ours, merged["current"]).fillna(0.0)


def apply_signals(store: Store, dataset: str) -> None:
    """Compute all account signals, aggregate per network, and re-rank networks and members."""
    compute_account_signals(store, dataset)
    if not store.has_table("networks") or not store.scalar(
            "SELECT count(*) FROM networks WHERE dataset = ?", [dataset]):
        return
    agg = aggregate_networks(store, dataset)
    nets = store.con.execute(
        "SELECT network_id, score, coordination_score FROM networks WHERE dataset = ?", [dataset]).df()
    nets = nets.merge(agg, on="network_id", how="left")
    nets["signal_score"] = nets["signal_score"].fillna(0.0)
    stored = store.con.execute(
        "SELECT network_id, platform, account_id, coordination_score, combined_score FROM signal_rescores "
        "WHERE dataset = ?", [dataset]).df()
    st_net = stored[stored["platform"].isna()][["network_id", "coordination_score", "combined_score"]]
    nets["coord"] = _base(nets["score"], st_net, ["network_id"], nets)
    nets["combined"] = nets["coord"] * (1 + NETWORK_WEIGHT * nets["signal_score"])
    mem = store.con.execute(
        "SELECT network_id, platform, account_id, score FROM members WHERE dataset = ?", [dataset]).df()
    mem = mem.merge(account_signal_scores(store, dataset), on=["platform", "account_id"], how="left")
    mem = mem.merge(nets[["network_id", "signal_score"]], on="network_id", how="left")
    mem = mem.fillna({"account_signal_score": 0.0, "signal_score": 0.0})
    st_mem = stored[stored["platform"].notna()].drop_duplicates(["network_id", "platform", "account_id"])
    mem["coord"] = _base(mem["score"], st_mem, ["network_id", "platform", "account_id"], mem)
    mem["combined"] = mem["coord"] * (
        1 + MEMBER_WEIGHT * (0.5 * mem["signal_score"] + 0.5 * mem["account_signal_score"]))
    with store.transaction() as con:
        con.register("_sig_nets", nets[["network_id", "utc_offset_hours", "utc_offset_confidence",
                                        "signal_score", "attribution_hint", "coord", "combined"]])
        con.execute(
            "UPDATE networks n SET utc_offset_hours = s.utc_offset_hours, "
            "utc_offset_confidence = s.utc_offset_confidence, signal_score = s.signal_score, "
            "attribution_hint = s.attribution_hint, score = s.combined, "
            "coordination_score = coalesce(n.coordination_score, s.coord) "
            "FROM _sig_nets s WHERE n.dataset = ? AND n.network_id = s.network_id", [dataset])
        con.register("_sig_mem", mem[["network_id", "platform", "account_id", "combined"]])
        con.execute(
            "UPDATE members m SET score = s.combined FROM _sig_mem s WHERE m.dataset = ? AND "
            "m.network_id = s.network_id AND m.platform = s.platform AND m.account_id = s.account_id",
            [dataset])
        con.unregister("_sig_nets")
        con.unregister("_sig_mem")
        con.execute("DELETE FROM signal_rescores WHERE dataset = ?", [dataset])
        rows = pd.concat([
            nets.assign(kind="network", platform=None, account_id=None)[
                ["kind", "network_id", "platform", "account_id", "coord", "signal_score", "combined"]],
            mem.assign(kind="member")[
                ["kind", "network_id", "platform", "account_id", "coord", "account_signal_score", "combined"]
            ].rename(columns={"account_signal_score": "signal_score"}),
        ])
        con.register("_sig_rows", rows)
        con.execute(
            "INSERT INTO signal_rescores SELECT ?, kind, network_id, platform, account_id, coord, "
            "signal_score, combined FROM _sig_rows", [dataset])
        con.unregister("_sig_rows")
    log.info("signals applied to %d networks and %d members of %s", len(nets), len(mem), dataset)
