"""``synth --quiet-days``: crowd history first, the operations only after it (bench/follow.py's warm-up)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pytest

from lockstep.errors import ConfigError
from lockstep.synth import generate, preset
from lockstep.synth.profile import validate


def _first_posts(days: int, quiet: int) -> tuple[pd.DataFrame, datetime]:
    data = generate(posts=8_000, seed=5, profile=validate(replace(preset("default"), days=days, quiet_days=quiet)))
    posts = data.posts().select(["platform", "account_id", "time"]).to_pandas()
    truth = data.truth.to_pandas()
    posts = posts.merge(truth[["platform", "account_id", "network_id", "operation_style"]],
                        on=["platform", "account_id"])
    start = datetime.fromisoformat(data.manifest["window"]["start"].replace("Z", "+00:00")).replace(tzinfo=None)
    return posts, start


def test_operations_act_only_after_the_quiet_days_while_the_crowd_posts_throughout() -> None:
    posts, start = _first_posts(days=6, quiet=2)
    cut = start + timedelta(days=2)
    ops = posts[posts["network_id"].astype(int) > 0]
    organic = posts[posts["network_id"].astype(int) == 0]
    assert len(ops) and ops["time"].min() >= cut
    assert (organic["time"] < cut).sum() > 0.2 * len(organic)  # about a third of the crowd's posts
    # every style still acts, the sleeper from mid-way through the days after the quiet ones
    assert ops["operation_style"].nunique() == 8
    sleeper = ops[ops["operation_style"] == "sleeper"]
    assert sleeper["time"].min() >= cut + timedelta(days=1)


def test_without_quiet_days_operations_start_at_once() -> None:
    posts, start = _first_posts(days=6, quiet=0)
    ops = posts[posts["network_id"].astype(int) > 0]
    assert ops["time"].min() < start + timedelta(days=1)


def test_quiet_days_must_leave_days_to_act_in() -> None:
    with pytest.raises(ConfigError, match="quiet_days"):
        validate(replace(preset("default"), days=5, quiet_days=5), "--quiet-days")
