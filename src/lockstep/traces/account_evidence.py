"""Every account's evidence, below and above the network threshold, from its pairs' p-values.

Why: a network needs pairs that survive the false-discovery control over every pair of accounts
(hundreds of millions of tests), so in a small or noisy dataset an operation may form no network
at all - and then every account scored 0 and there was nothing to triage. The evidence is still
there, only weaker: pairs whose p-value is small for *one account* though not for the whole
dataset. Traces therefore return such pairs too, without evidence posts (see
:func:`lockstep.traces.significance.weak_p_bound`).

An account's **evidence** (in decades, i.e. powers of ten of surprise) sums, over its partners,
how far each pair's p-value falls below what an account would see by chance among its possible
partners::

    excess(a, b) = min(CAP, max(0, -log10 p_ab - log10 n_t))       (best layer per pair)
    evidence(a)  = sum over partners b of excess(a, b)

``n_t`` is the number of accounts active in the trace (layer) ``t``: an account has about
``n_t`` possible partners there, so under the null model it expects less than one partner with
``p < 1/n_t`` and the sum stays near zero (each chance partner adds about ``log10 e = 0.43``
on average). Each pair counts once, with its best layer, because traces restate each other
(``co_domain`` restates ``co_link``; the pooled ``combined`` layer restates every item trace).
``CAP`` keeps one overwhelming pair (a long copypasta) from outweighing many partners.
:mod:`lockstep.networks.account_score` turns evidence into a score.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa

#: The most one partner adds to an account's evidence, in decades.
CAP = 20.0

_KEYS = ["platform_a", "account_a", "platform_b", "account_b"]


def active_accounts(tested_pairs: int) -> int:
    """Accounts ``n`` of a trace from the pairs it could test, ``n (n - 1) / 2``."""
    return round((1.0 + math.sqrt(1.0 + 8.0 * max(tested_pairs, 0))) / 2.0) if tested_pairs else 0


def pair_excess(layers: list[tuple[str, pa.Table, int]]) -> pd.DataFrame:
    """Best excess per account pair over ``layers`` of ``(trace, edges with p_value, n_active)``.

    Returns columns ``platform_a, account_a, platform_b, account_b, excess, trace`` (pairs with a
    positive excess only)."""
    frames = []
    for trace, table, n in layers:
        if table.num_rows == 0 or n < 2:
            continue
        df = table.select([*_KEYS, "p_value"]).to_pandas()
        p = np.clip(df["p_value"].to_numpy(dtype=np.float64), 1e-300, 1.0)
        excess = np.minimum(CAP, -np.log10(p) - math.log10(n))
        keep = excess > 0
        if keep.any():
            frames.append(df.loc[keep, _KEYS].assign(excess=excess[keep], trace=trace))
    if not frames:
        return pd.DataFrame(columns=[*_KEYS, "excess", "trace"])
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values("excess", ascending=False, kind="stable")
    return df.drop_duplicates(_KEYS).reset_index(drop=True)


def account_evidence(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per account: ``evidence`` (summed excess), ``partners`` and ``best_trace`` (the layer of its
    strongest pair), from :func:`pair_excess`'s rows."""
    cols = ["platform", "account_id", "evidence", "partners", "best_trace"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    sides = pd.concat([
        pairs.rename(columns={"platform_a": "platform", "account_a": "account_id"})[
            ["platform", "account_id", "excess", "trace"]],
        pairs.rename(columns={"platform_b": "platform", "account_b": "account_id"})[
            ["platform", "account_id", "excess", "trace"]],
    ], ignore_index=True).sort_values("excess", ascending=False, kind="stable")
    g = sides.groupby(["platform", "account_id"], sort=False)
    out = g.agg(evidence=("excess", "sum"), partners=("excess", "size"), best_trace=("trace", "first"))
    return out.reset_index()[cols]
