"""operator_clock: offices on foreign clocks are found, with their offset; a night-shift nurse,
a round-the-clock news bot and ordinary people are not flagged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lockstep.signals.apply import apply_signals, compute_account_signals
from lockstep.signals.clock import fit_working_day, format_offset, week_histogram
from lockstep.signals.network import network_signal_summary
from lockstep.store import Store
from tests.signals.planted import (
    DS,
    add_accounts,
    add_network,
    add_posts,
    news_bot_times,
    nurse_times,
    operator_times,
    organic_world,
)


@pytest.mark.parametrize("offset", [3.0, 3.5, 8.0, -5.0])
def test_fit_recovers_planted_offset(offset: float) -> None:
    rng = np.random.default_rng(int(offset * 10) + 100)
    fit = fit_working_day(week_histogram(pd.Series(operator_times(rng, offset, noise=0.15))))
    assert fit is not None
    assert abs(fit.utc_offset_hours - offset) <= 0.5
    assert fit.confidence > 0.6 and fit.weekend_ratio < 0.3


def test_uniform_activity_has_low_confidence() -> None:
    rng = np.random.default_rng(7)
    times = pd.Series(pd.Timestamp("2016-07-04") + pd.to_timedelta(rng.uniform(0, 56 * 86400, 2000), unit="s"))
    fit = fit_working_day(week_histogram(times))
    assert fit is not None and fit.confidence < 0.2


def test_format_offset() -> None:
    assert format_offset(3.5) == "UTC+3:30"
    assert format_offset(-5.0) == "UTC−5"
    assert format_offset(None) == "unknown"


def test_account_flags(store: Store) -> None:
    rng = np.random.default_rng(8)
    organic = organic_world(store, rng, n=150)
    add_accounts(store, [{"account_id": a} for a in ("op", "nurse", "newsbot")])
    add_posts(store, "op", operator_times(rng, 3.0, per_day=3))
    add_posts(store, "nurse", nurse_times(rng))
    add_posts(store, "newsbot", news_bot_times(30))
    compute_account_signals(store, DS, ["operator_clock"])
    rows = {a: (f, s, json.loads(x)) for a, f, s, x in store.rows(
        "SELECT account_id, flagged, sentence, extra FROM account_signals WHERE signal = 'operator_clock'")}
    f, sentence, extra = rows["op"]
    assert f and extra["utc_offset_hours"] == 3.0 and "UTC+3 " in sentence
    assert not rows["nurse"][0]
    assert not rows["newsbot"][0]
    assert sum(rows[a][0] for a in organic if a in rows) / len(organic) <= 0.01


def test_network_offsets_and_hints(store: Store) -> None:
    """Four operations, each on its own clock, with too few posts per account for a solo fit."""
    rng = np.random.default_rng(9)
    organic_world(store, rng, n=100)
    planted = {1: 3.0, 2: 3.5, 3: 8.0, 4: -5.0}
    for nid, off in planted.items():
        ids = [f"n{nid}a{i}" for i in range(10)]
        add_accounts(store, [{"account_id": a} for a in ids])
        for a in ids:
            times = operator_times(rng, off, per_day=1, noise=0.1)
            add_posts(store, a, list(rng.choice(np.array(times, dtype=object), 25, replace=False)))
        add_network(store, nid, ids, 1.0)
    # A network of ordinary people (e.g. a detection false positive): no offset may be claimed.
    add_network(store, 5, [f"org{i}" for i in range(10)], 1.0)
    apply_signals(store, DS)
    got = dict(store.rows("SELECT network_id, utc_offset_hours FROM networks WHERE dataset = ?", [DS]))
    for nid, off in planted.items():
        assert got[nid] is not None and abs(got[nid] - off) <= 1.0, (nid, got[nid], off)
    assert got[5] is None
    hint = store.scalar("SELECT attribution_hint FROM networks WHERE network_id = 2")
    assert "UTC+3:30" in hint and "Iran" in hint and "a hint, not an attribution" in hint
    summary = network_signal_summary(store, DS, 3)
    assert summary["utc_offset_hours"] == 8.0 and "China" in summary["consistent_regions"]
    assert summary["members"] == 10 and len(summary["activity_utc_weekday_hour"]) == 7
    assert "threshold" in store.scalar("SELECT attribution_hint FROM networks WHERE network_id = 5")
