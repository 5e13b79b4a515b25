"""A graded score for every account of a dataset, networks or not, so an analyst can sort below
the network threshold (``lockstep scores``, the ``account_scores`` table).

The score maps an account's evidence (:mod:`lockstep.traces.account_evidence`, decades of surprise
summed over its partners) to ``[0, 1)`` and lets account signals re-rank it, as they re-rank
network members (:mod:`lockstep.signals.apply`); coordination stays the factor the score is built
on, so an account with no evidence scores 0 whatever its signals::

    score = (1 - exp(-evidence / SCALE)) * (1 + SIGNAL_WEIGHT * signal_score) / (1 + SIGNAL_WEIGHT)

An account of a set-aside network (disclosed automation) keeps its evidence but its score is
multiplied by ``SET_ASIDE_FACTOR``: it is coordinated, openly. The score is monotone in the
evidence and depends on the dataset only through the number of active accounts per trace, so it
is comparable across datasets of the same size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from lockstep.store import Store

#: Evidence (decades) at which the score reaches 1 - 1/e.
SCALE = 10.0
SIGNAL_WEIGHT = 0.5
SET_ASIDE_FACTOR = 0.25


def graded_scores(evidence: np.ndarray, signal_score: np.ndarray, set_aside: np.ndarray) -> np.ndarray:
    """The score of the module docstring, vectorized."""
    coord = 1.0 - np.exp(-np.maximum(evidence, 0.0) / SCALE)
    score = coord * (1.0 + SIGNAL_WEIGHT * np.clip(signal_score, 0.0, 1.0)) / (1.0 + SIGNAL_WEIGHT)
    return np.where(set_aside, score * SET_ASIDE_FACTOR, score)


def account_scores(store: Store, dataset: str, evidence: pd.DataFrame, *, use_signals: bool = True) -> pd.DataFrame:
    """One row per account of ``dataset`` (posts or profiles): its evidence and graded score, the
    network it belongs to (its highest-scoring membership) and whether it was set aside.
    ``evidence`` is :func:`lockstep.traces.account_evidence.account_evidence`'s frame.
    ``use_signals=False`` (``detect --no-signals``) leaves ``account_signals`` out: rows there
    come from an earlier run, and a run's scores (and the PR-AUC ``evaluate`` reports from them)
    should depend on that run alone."""
    accounts = store.con.execute(
        "SELECT DISTINCT platform, account_id FROM posts WHERE dataset = ? "
        "UNION SELECT platform, account_id FROM accounts WHERE dataset = ?", [dataset, dataset]).df()
    df = accounts.merge(evidence, on=["platform", "account_id"], how="left")
    members = store.con.execute(
        "SELECT platform, account_id, arg_max(network_id, score) AS network_id FROM members "
        "WHERE dataset = ? GROUP BY platform, account_id", [dataset]).df()
    aside = store.con.execute(
        "SELECT DISTINCT platform, account_id, TRUE AS set_aside FROM set_aside WHERE dataset = ?",
        [dataset]).df()
    df = df.merge(members, on=["platform", "account_id"], how="left")
    df = df.merge(aside, on=["platform", "account_id"], how="left")
    if use_signals and store.has_table("account_signals"):
        from lockstep.signals.apply import account_signal_scores

        signals = account_signal_scores(store, dataset).rename(columns={"account_signal_score": "signal_score"})
        df = df.merge(signals, on=["platform", "account_id"], how="left")
    else:
        df["signal_score"] = 0.0
    df = df.assign(
        evidence=df["evidence"].astype("float64").fillna(0.0),
        partners=df["partners"].fillna(0).astype("int32"),
        signal_score=df["signal_score"].astype("float64").fillna(0.0),
        set_aside=df["set_aside"].astype("boolean").fillna(False).astype(bool),
        network_id=df["network_id"].astype("Int32"),
    )
    df["score"] = graded_scores(df["evidence"].to_numpy(), df["signal_score"].to_numpy(),
                                df["set_aside"].to_numpy())
    cols = ["platform", "account_id", "score", "evidence", "partners", "best_trace", "network_id",
            "set_aside", "signal_score"]
    return df[cols].sort_values(["score", "platform", "account_id"], ascending=[False, True, True],
                                kind="stable").reset_index(drop=True)


def write_account_scores(store: Store, dataset: str, evidence: pd.DataFrame, *, use_signals: bool = True) -> int:
    """Replace ``dataset``'s rows of ``account_scores``; returns the number of accounts scored."""
    rows = account_scores(store, dataset, evidence, use_signals=use_signals)
    table = pa.Table.from_pandas(rows, schema=_SCHEMA, preserve_index=False)
    table = table.append_column("dataset", pa.array([dataset] * table.num_rows, pa.string()))
    store.replace_rows("account_scores", dataset, table)
    return table.num_rows


_SCHEMA = pa.schema([
    ("platform", pa.string()), ("account_id", pa.string()), ("score", pa.float64()),
    ("evidence", pa.float64()), ("partners", pa.int32()), ("best_trace", pa.string()),
    ("network_id", pa.int32()), ("set_aside", pa.bool_()), ("signal_score", pa.float64()),
])
