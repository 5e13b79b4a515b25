"""``cadence``: machine-like timing — too-regular gaps, posts on the exact minute, one client app.

People post in bursts: the gaps between their posts vary more than their mean (coefficient of
variation, CV, above 1). Schedulers post like clocks. Measured per account with at least
``min_posts`` posts:

* **CV of gaps** between consecutive posts; below ``max_cv`` is clock-like;
* **modal gap share** — the share of gaps equal (to the minute) to the most common gap of at
  least 2 minutes; ``min_share`` or more means a fixed schedule even when nights are skipped;
* **on the mark** — share of posts at second :00 (or at minute :00 when the dataset keeps only
  minutes); about 1/60 by chance, ``min_share`` or more means scheduled posting;
* reported, not flagged on their own: burstiness ``B = (σ-μ)/(σ+μ)`` (bursts then silence),
  share of reposts, share of posts from the most used client app — common among real people too.

``value`` = the largest of ``1 - CV`` (floored at 0), modal gap share and on-the-mark share.
A news bot on a legitimate schedule *does* fire here, with an honest sentence; it is not called
part of an operation by this signal — only coordination creates networks.
"""

from __future__ import annotations

import pandas as pd

from lockstep.signals.base import check_param, empty_result, load_posts
from lockstep.store import Store


class Cadence:
    """Posting rhythm too regular, or too exactly timed, for a person."""

    name = "cadence"
    higher_is_unusual = True

    def __init__(self, *, min_posts: int = 20, max_cv: float = 0.3, min_share: float = 0.5) -> None:
        self.min_posts = min_posts
        self.max_cv = max_cv
        self.min_share = min_share

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("Cadence", "min_posts", self.min_posts, 3, 10**6)
        check_param("Cadence", "max_cv", self.max_cv, 0, 10)
        check_param("Cadence", "min_share", self.min_share, 0.05, 1)
        posts = load_posts(store, dataset, ["time", "client", "repost_of_post"])
        if posts.empty:
            return empty_result()
        t = posts["time"].astype("datetime64[us]")
        # Datasets that keep only minutes have every second at :00; judge minutes there instead.
        minute_resolution = bool((t.dt.second == 0).mean() > 0.95)
        posts = posts.assign(
            mark=(t.dt.minute == 0) if minute_resolution else (t.dt.second == 0),
            ts=t.astype("int64") / 1e6,
            repost=posts["repost_of_post"].notna(),
        )
        unit = "minute :00" if minute_resolution else "second :00"
        posts = posts.sort_values(["platform", "account_id", "ts"], kind="stable").reset_index(drop=True)
        posts["k"] = posts.groupby(["platform", "account_id"], sort=False).ngroup()
        size = posts.groupby("k").size()
        posts = posts[posts["k"].map(size) >= self.min_posts]
        if posts.empty:
            return empty_result()
        same = posts["k"].eq(posts["k"].shift())
        posts["gap"] = posts["ts"].diff().where(same)
        by = posts.groupby("k")
        stats = pd.DataFrame({
            "platform": by["platform"].first(), "account_id": by["account_id"].first(),
            "n": by.size(), "mu": by["gap"].mean(), "sd": by["gap"].std(ddof=0),
            "mark": by["mark"].mean(), "repost": by["repost"].mean(),
        })
        mins = (posts["gap"] / 60).round()
        g2 = posts.assign(m=mins)[mins >= 2].groupby(["k", "m"]).size().rename("c").reset_index()
        g2 = g2.sort_values(["k", "c", "m"], ascending=[True, False, True]).drop_duplicates("k").set_index("k")
        stats["mode_gap"] = g2["m"].reindex(stats.index).fillna(0).astype(int)
        stats["mode_share"] = (g2["c"].reindex(stats.index).fillna(0) / (stats["n"] - 1)).to_numpy()
        cl = posts.dropna(subset=["client"]).groupby(["k", "client"]).size().rename("c").reset_index()
        cl = cl.sort_values(["k", "c"], ascending=[True, False])
        tot = cl.groupby("k")["c"].sum()
        cl = cl.drop_duplicates("k").set_index("k")
        stats["client"] = cl["client"].reindex(stats.index)
        stats["client_share"] = (cl["c"] / tot).reindex(stats.index)
        rows = []
        for r in stats.itertuples():
            cv = r.sd / r.mu if r.mu > 0 else 0.0
            burst = (r.sd - r.mu) / (r.sd + r.mu) if r.sd + r.mu > 0 else 0.0
            value = max(1 - cv, r.mode_share, r.mark, 0.0)
            reasons = []
            if cv < self.max_cv:
                reasons.append(f"gaps between its {r.n} posts vary little (CV {cv:.2f}; people are usually above 1)")
            if r.mode_share >= self.min_share:
                reasons.append(f"{r.mode_share:.0%} of gaps are exactly {r.mode_gap} minutes")
            if r.mark >= self.min_share:
                reasons.append(f"{r.mark:.0%} of posts fall on the {unit} (about 2% by chance)")
            flagged = bool(reasons)
            if not reasons:
                reasons.append(f"timing of its {r.n} posts looks human (CV of gaps {cv:.2f})")
            extra = [f"burstiness {burst:+.2f}", f"{r.repost:.0%} reposts"]
            if isinstance(r.client, str):
                extra.append(f"{r.client_share:.0%} from {r.client}")
            rows.append((r.platform, r.account_id, value, flagged,
                         "Cadence: " + "; ".join(reasons) + f" [{', '.join(extra)}]"))
        return pd.DataFrame(rows, columns=["platform", "account_id", "value", "flagged", "detail"])
