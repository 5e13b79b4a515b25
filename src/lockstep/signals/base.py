"""What every account signal shares: the plug-in contract, data loading, percentiles, sentences.

A signal is a class with a permanent ``name``, keyword-only parameters kept as given, and
``compute(store, dataset) -> pandas.DataFrame`` with one row per account it could judge:
``platform, account_id, value, flagged, detail`` (and optionally ``extra``, a JSON string of
structured evidence). ``detail`` is the account's evidence in words
("Created 2016-03-02 14:05, within 40 minutes of 23 other accounts"); :func:`finish` adds how
unusual the value is *in this dataset* and turns it into the stored sentence.

Why percentiles within the dataset: a value means little alone (8 digits in a handle is common
on one platform, rare on another); analysts need to see how the account compares to its peers.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from lockstep.errors import ConfigError
from lockstep.store import Store

log = logging.getLogger(__name__)

RESULT_COLUMNS = ["platform", "account_id", "value", "flagged", "detail"]


class Signal(Protocol):
    """The plug-in contract (``lockstep.signals`` entry-point group)."""

    name: str
    #: True when a larger value is more suspicious (used for the percentile and "top X%").
    higher_is_unusual: bool

    def compute(self, store: Store, dataset: str) -> pd.DataFrame: ...


def check_param(owner: str, name: str, value: Any, lo: float, hi: float) -> None:
    """Refuse an out-of-range parameter with a message that quotes it and gives the range."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise ConfigError(
            f"The {name!r} parameter of {owner} must be a number in [{lo}, {hi}]. Got {value!r} instead."
        )


def empty_result() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        RESULT_COLUMNS, ["object", "object", "float64", "bool", "object"], strict=True)})


def load_posts(store: Store, dataset: str, columns: list[str]) -> pd.DataFrame:
    """This dataset's posts, only the columns asked for (plus platform, account_id).

    Read through Arrow: the same frame (dtypes included) as DuckDB's ``.df()``, 4-5 times faster
    (0.3 s against 1.4 s for four columns of 1M posts)."""
    cols = ", ".join(dict.fromkeys(["platform", "account_id", *columns]))
    return store.con.execute(f"SELECT {cols} FROM posts WHERE dataset = ?", [dataset]).to_arrow_table().to_pandas()


def load_accounts(store: Store, dataset: str, columns: list[str]) -> pd.DataFrame:
    """Like :func:`load_posts`, from the profiles."""
    cols = ", ".join(dict.fromkeys(["platform", "account_id", *columns]))
    return store.con.execute(f"SELECT {cols} FROM accounts WHERE dataset = ?", [dataset]).to_arrow_table().to_pandas()


def load_memberships(store: Store, dataset: str) -> pd.DataFrame:
    """platform, account_id, network_id of detected networks (empty before detection)."""
    if not store.has_table("members"):
        return pd.DataFrame(columns=["platform", "account_id", "network_id"])
    return store.con.execute(
        "SELECT platform, account_id, network_id FROM members WHERE dataset = ?", [dataset]
    ).df()


def top_share(values: pd.Series, higher_is_unusual: bool) -> pd.Series:
    """Per value, the share (0..1) of accounts whose value is at least as unusual."""
    return values.rank(method="min", ascending=not higher_is_unusual, pct=True)


def fmt_top(share: float) -> str:
    pct = 100.0 * share
    if pct < 0.1:
        return "top <0.1%"
    if pct < 10:
        return f"top {pct:.1f}%"
    return f"top {pct:.0f}%"


def finish(signal: Signal, dataset: str, result: pd.DataFrame) -> pa.Table:
    """Add percentile and sentence; return rows in the shape of the ``account_signals`` table."""
    df = result.copy()
    # Astronomically small p-values can reach infinity; keep those accounts, at a finite extreme.
    df["value"] = np.nan_to_num(df["value"].astype(float), nan=np.nan, posinf=1e300, neginf=-1e300)
    df = df[df["value"].notna()]
    n = len(df)
    if n:
        top = top_share(df["value"].astype(float), signal.higher_is_unusual)
        df["percentile"] = (1.0 - top) * 100.0 + 100.0 / n
        df["sentence"] = [
            f"{d} ({fmt_top(t)} of {n:,} accounts in this dataset)."
            for d, t in zip(df["detail"], top, strict=True)
        ]
    else:
        df["percentile"] = pd.Series(dtype="float64")
        df["sentence"] = pd.Series(dtype="object")
    return pa.table({
        "dataset": pa.array([dataset] * n, pa.string()),
        "platform": pa.array(df["platform"].astype(str).tolist(), pa.string()),
        "account_id": pa.array(df["account_id"].astype(str).tolist(), pa.string()),
        "signal": pa.array([signal.name] * n, pa.string()),
        "value": pa.array(df["value"].astype(float).tolist(), pa.float64()),
        "percentile": pa.array(df["percentile"].astype(float).round(3).tolist(), pa.float64()),
        "flagged": pa.array(df["flagged"].astype(bool).tolist(), pa.bool_()),
        "sentence": pa.array(df["sentence"].tolist(), pa.string()),
        # Structured evidence some signals add (e.g. the clock's offset and confidence), as JSON.
        "extra": pa.array(df["extra"].tolist() if "extra" in df else [None] * n, pa.string()),
    })
