"""``creation_burst``: accounts created in a burst with many others — two scan statistics.

Why scan statistics and not a fixed count: "20 accounts in an hour" is a crowd on a small
platform and nothing on a large one. For each account and each window half-width ``w``
(10 minutes to 3 days) two tests are run; an account is flagged when either passes after a
Bonferroni correction over windows and accounts (``alpha``):

* **dataset burst** — ``k`` other accounts created within ``±w``, against what the dataset's
  *local* creation rate predicts (the accounts created within ``±context_days``, spread evenly
  over the part of that span the data cover, excluding the window itself, plus one so that an
  empty month does not make any pair look like a burst):
  ``p = P(Poisson(λ) ≥ k)``;
* **network burst** (after detection) — ``k`` other members of the account's own network created
  within ``±w``, against the share ``q`` of all the dataset's accounts created in that window:
  ``p = P(Binomial(network size − 1, q) ≥ k)``. An operation that registers its accounts over a
  few days is unremarkable against a busy sign-up day, but not against its own network.

Accounts created on the earliest creation day of the dataset are not flagged by the dataset test:
that boundary collects clipped or sentinel dates and platform-launch sign-ups, and there is no
rate before it to compare with (the sentence says so). ``value`` is ``-log10`` of the smaller
corrected p-value (higher = more unusual). Sleeper networks are usually made in such bursts,
long before they are used; see also :mod:`lockstep.signals.sleeper`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom, poisson

from lockstep.signals.base import check_param, empty_result, load_accounts, load_memberships
from lockstep.store import Store

_WINDOWS_MIN = (10, 60, 360, 1440, 4320)


def _human(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} minutes"
    if minutes < 1440:
        return f"{minutes // 60} hour{'s' if minutes >= 120 else ''}"
    return f"{minutes // 1440} day{'s' if minutes >= 2880 else ''}"


def _counts(t: np.ndarray, w: float) -> np.ndarray:
    """Per sorted time, how many *other* times lie within ±w."""
    return np.searchsorted(t, t + w, "right") - np.searchsorted(t, t - w, "left") - 1


class CreationBurst:
    """Accounts created within minutes/hours/days of unusually many others."""

    name = "creation_burst"
    higher_is_unusual = True

    def __init__(self, *, alpha: float = 0.01, context_days: float = 30.0) -> None:
        self.alpha = alpha
        self.context_days = context_days

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("CreationBurst", "alpha", self.alpha, 1e-12, 0.5)
        check_param("CreationBurst", "context_days", self.context_days, 1, 3650)
        acc = load_accounts(store, dataset, ["created_at"]).dropna(subset=["created_at"])
        if acc.empty:
            return empty_result()
        acc = acc.sort_values("created_at", kind="stable").reset_index(drop=True)
        t = acc["created_at"].astype("datetime64[us]").astype("int64").to_numpy() / 60e6  # minutes
        n = len(t)
        ctx = self.context_days * 1440.0
        wide = _counts(t, ctx)
        span = np.minimum(t + ctx, t[-1]) - np.maximum(t - ctx, t[0])
        first_day = acc["created_at"].dt.floor("D") == acc["created_at"].iloc[0].floor("D")
        best = np.zeros(n)  # log p of the dataset test
        best_k, best_lam, best_w = np.zeros(n, dtype=int), np.zeros(n), np.full(n, _WINDOWS_MIN[0])
        all_k = {}
        for w in _WINDOWS_MIN:
            k = all_k[w] = _counts(t, w)
            # One pseudo-account in the context: an empty month says nothing about the rate.
            lam = (np.maximum(wide - k, 0) + 1) * (2 * w) / np.maximum(span - 2 * w, 2 * w)
            logp = poisson.logsf(k - 1, lam)
            better = logp < best
            best, best_k = np.where(better, logp, best), np.where(better, k, best_k)
            best_lam, best_w = np.where(better, lam, best_lam), np.where(better, w, best_w)
        log_tests = np.log(len(_WINDOWS_MIN) * n)
        ds_p = np.minimum(0.0, best + log_tests)
        ds_p = np.where(first_day.to_numpy(), 0.0, ds_p)
        net_p, net_k, net_n, net_q, net_w = self._network_test(store, dataset, acc, t, all_k, n)
        value = -np.minimum(ds_p, net_p) / np.log(10)
        flagged = np.minimum(ds_p, net_p) < np.log(self.alpha)
        details = []
        created, on_first_day = acc["created_at"].tolist(), first_day.tolist()
        for i in range(n):
            when = created[i].strftime("%Y-%m-%d %H:%M")
            parts = []
            if best_k[i] and best[i] < 0:
                parts.append(
                    f"within {_human(int(best_w[i]))} of {best_k[i]} other accounts (about {best_lam[i]:.2g} "
                    f"expected from this dataset's creation rate; corrected p = {np.exp(ds_p[i]):.1g})")
                if on_first_day[i]:
                    parts.append("on the earliest creation day in this dataset, where clipped dates and "
                                 "launch-day sign-ups collect, so not counted as a burst")
            if net_k[i]:
                parts.append(
                    f"{net_k[i]} of the other {net_n[i]} members of its network were created within "
                    f"{_human(int(net_w[i]))} of it ({net_q[i] * net_n[i]:.2g} expected; corrected p = "
                    f"{np.exp(net_p[i]):.1g})")
            if not parts:
                parts.append("with no unusual crowd of accounts created around then")
            details.append(f"Created {when}, " + "; ".join(parts))
        return pd.DataFrame({
            "platform": acc["platform"], "account_id": acc["account_id"], "value": value,
            "flagged": flagged, "detail": details,
        })

    @staticmethod
    def _network_test(store: Store, dataset: str, acc: pd.DataFrame, t: np.ndarray,
                      all_k: dict[int, np.ndarray], n: int) -> tuple[np.ndarray, ...]:
        """Corrected log p, count, other members, share q and window of the network test."""
        logp, k_out = np.zeros(n), np.zeros(n, dtype=int)
        others, q_out, w_out = np.zeros(n, dtype=int), np.zeros(n), np.full(n, _WINDOWS_MIN[0])
        mem = load_memberships(store, dataset).drop_duplicates(["platform", "account_id"])
        if mem.empty or n < 2:
            return logp, k_out, others, q_out, w_out
        net = acc.merge(mem, on=["platform", "account_id"], how="left")["network_id"].to_numpy()
        frame = pd.DataFrame({"t": t, "net": net, "i": np.arange(n)}).dropna(subset=["net"])
        tested = len(frame) * len(_WINDOWS_MIN)
        for _, g in frame.groupby("net"):
            tt, idx = g["t"].to_numpy(), g["i"].to_numpy()
            if len(tt) < 3:
                continue
            for w in _WINDOWS_MIN:
                k = _counts(tt, w)  # g is sorted by t because acc is
                q = all_k[w][idx] / (n - 1)
                lp = binom.logsf(k - 1, len(tt) - 1, q)
                better = (lp < logp[idx]) & (k > 0)
                sel = idx[better]
                logp[sel], k_out[sel], q_out[sel], w_out[sel] = lp[better], k[better], q[better], w
                others[sel] = len(tt) - 1
        return np.minimum(0.0, logp + np.log(max(tested, 1))), k_out, others, q_out, w_out
