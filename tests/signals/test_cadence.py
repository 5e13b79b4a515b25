"""cadence: a clock-like bot fires (honestly described); people and a night-shift nurse do not."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from lockstep.signals.apply import compute_account_signals
from lockstep.store import Store
from tests.signals.planted import (
    DS,
    START,
    add_accounts,
    add_posts,
    news_bot_times,
    nurse_times,
    operator_times,
    organic_world,
)


def test_regular_bot_fires_humans_do_not(store: Store) -> None:
    rng = np.random.default_rng(5)
    organic = organic_world(store, rng, n=150)
    add_accounts(store, [{"account_id": a} for a in ("newsbot", "nurse", "scheduler", "operator")])
    add_posts(store, "newsbot", news_bot_times(30), client="dlvr.it")
    add_posts(store, "nurse", nurse_times(rng))
    # A scheduler posting at 09:00:00, 12:00:00, 15:00:00 on weekdays: irregular gaps, exact seconds.
    add_posts(store, "scheduler", [START + timedelta(days=d, hours=h) for d in range(40) for h in (9, 12, 15)
                                   if (START + timedelta(days=d)).weekday() < 5])
    add_posts(store, "operator", operator_times(rng, 3.0))
    compute_account_signals(store, DS, ["cadence"])
    rows = {a: (f, s, v) for a, f, s, v in store.rows(
        "SELECT account_id, flagged, sentence, value FROM account_signals WHERE signal = 'cadence'")}
    flagged, sentence, _ = rows["newsbot"]
    assert flagged and "exactly 30 minutes" in sentence and "100% from dlvr.it" in sentence
    assert rows["scheduler"][0] and "fall on the second :00" in rows["scheduler"][1]
    assert not rows["nurse"][0]
    assert not rows["operator"][0]  # random times within office hours are not clock-like
    assert sum(rows[a][0] for a in organic if a in rows) == 0
    assert rows["newsbot"][2] > max(rows[a][2] for a in organic if a in rows)
