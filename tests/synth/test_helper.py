"""The public helper ``lockstep.testing.synth.planted_network`` and window/difficulty options."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from lockstep.store import Store
from lockstep.testing.synth import planted_network


def test_planted_network_exposes_truth_consistent_with_posts(tmp_path: Path) -> None:
    pl = planted_network(seed=8, posts=6_000, networks=8, days=10)
    nets = pl.networks()
    assert len(nets) == 8 and all(len(m) >= 5 for m in nets.values())
    assert pl.members() == set().union(*nets.values())
    authors = set(zip(pl.posts.column("platform").to_pylist(), pl.posts.column("account_id").to_pylist(),
                      strict=True))
    assert pl.members() <= authors  # every planted account posts
    span = pc.max(pl.posts.column("time")).as_py() - pc.min(pl.posts.column("time")).as_py()
    assert span.days <= 11  # the 10-day window (+ time zones and late reposts)
    paths = pl.write(tmp_path / "out")
    with Store(tmp_path / "s.duckdb") as store:
        from lockstep.ingest.pipeline import ingest_file

        assert ingest_file(store, paths["posts"]).quarantined == 0
        assert store.scalar("SELECT count(*) FROM posts") == 6_000


def test_difficulty_changes_delays() -> None:
    """Repost-ring lag, measured from the data, is longer on 'hard' than on 'easy'."""
    def median_lag(difficulty: str) -> float:
        pl = planted_network(seed=3, posts=15_000, difficulty=difficulty)
        ring = {a for _, a in pl.members("repost_ring")}
        posts = pl.posts.select(["post_id", "account_id", "time", "repost_of_post"]).to_pylist()
        when = {p["post_id"]: (p["time"], p["account_id"]) for p in posts}
        lags = sorted((p["time"] - when[p["repost_of_post"]][0]).total_seconds() for p in posts
                      if p["account_id"] in ring and p["repost_of_post"] in when
                      and when[p["repost_of_post"]][1] in ring)
        return lags[len(lags) // 2]

    assert median_lag("easy") < median_lag("hard")
