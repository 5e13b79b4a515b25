"""``sleeper``: a long silence between an account's creation and its first post.

Why a permutation test and not a fixed gap: quiet people also post months after signing up. What
sets a sleeper apart is that, once woken, it is active on many days — a silence that long is
implausible at its own rhythm. People post in sessions, so the rhythm is counted in *active days*.
Under the null hypothesis of one rhythm throughout, the account's ``D`` active days are spread at
random over the ``T`` days from its creation to its last post, and the chance that all of them fall
after a silence of ``s`` days is ``C(T - s, D) / C(T, D)`` (exact, and sound for few posts).
``value`` is ``-log10`` of that chance after a Bonferroni correction over the accounts tested;
flagged when the corrected chance is below ``alpha``.

Censoring: the silence is counted from ``max(created_at, first post in the dataset)``, because the
data cannot show posts made before they begin; the sentence says so where it applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from lockstep.signals.base import check_param, empty_result, load_accounts, load_posts
from lockstep.store import Store

_DAY_S = 86400.0


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


class Sleeper:
    """Accounts that were silent long after creation, then posted busily."""

    name = "sleeper"
    higher_is_unusual = True

    def __init__(self, *, alpha: float = 0.01, min_posts: int = 3) -> None:
        self.alpha = alpha
        self.min_posts = min_posts

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("Sleeper", "alpha", self.alpha, 1e-12, 0.5)
        check_param("Sleeper", "min_posts", self.min_posts, 2, 10**6)
        acc = load_accounts(store, dataset, ["created_at"]).dropna(subset=["created_at"])
        posts = load_posts(store, dataset, ["time"])
        if acc.empty or posts.empty:
            return empty_result()
        data_start = posts["time"].min()
        posts["day"] = posts["time"].dt.floor("D")
        g = posts.groupby(["platform", "account_id"]).agg(
            min=("time", "min"), max=("time", "max"), count=("time", "size"), days=("day", "nunique"),
        ).reset_index()
        df = acc.merge(g, on=["platform", "account_id"])
        df = df[df["count"] >= self.min_posts]
        if df.empty:
            return empty_result()
        start = df["created_at"].where(df["created_at"] >= data_start, data_start)
        silence = ((df["min"] - start).dt.total_seconds() / _DAY_S).clip(lower=0).to_numpy()
        span = ((df["max"] - df["min"]).dt.total_seconds() / _DAY_S).to_numpy()
        rate = df["count"].to_numpy() / np.maximum(span, 1.0)  # posts a day, for the sentence
        days = df["days"].to_numpy().astype(float)
        s_days = np.floor(silence)
        total = s_days + np.maximum(np.floor(span) + 1, days)
        log10p = (_log_choose(total - s_days, days) - _log_choose(total, days)) / np.log(10)
        corrected = np.minimum(0.0, log10p + np.log10(len(df)))
        value = -corrected
        flagged = corrected < np.log10(self.alpha)
        censored = (df["created_at"] < data_start).to_numpy()
        details = []
        for i, row in enumerate(df.itertuples(index=False)):
            created = row.created_at.strftime("%Y-%m-%d")
            first = row.min.strftime("%Y-%m-%d")
            note = " (counted from the start of the data, which begins after its creation)" if censored[i] else ""
            details.append(
                f"Created {created}, first post {first} after {silence[i]:,.0f} silent days{note}, "
                f"then active on {int(days[i])} of the next {int(total[i] - s_days[i])} days ({rate[i]:.1f} posts "
                f"a day; chance of such a silence at that rhythm: {10 ** log10p[i]:.1g})"
            )
        return pd.DataFrame({
            "platform": df["platform"].to_numpy(), "account_id": df["account_id"].to_numpy(),
            "value": value, "flagged": flagged, "detail": details,
        })
