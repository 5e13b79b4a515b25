"""sleeper: a long silence then busy posting fires; quiet people and the censored start do not."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from lockstep.signals.apply import compute_account_signals
from lockstep.store import Store
from tests.signals.planted import DS, START, add_accounts, add_posts, organic_world


def test_sleeper_fires_quiet_person_does_not(store: Store) -> None:
    rng = np.random.default_rng(2)
    organic = organic_world(store, rng, n=100)
    add_accounts(store, [
        # Created before the data, inside them: no -> counted from data start; here created inside.
        {"account_id": "sleepy", "created_at": START - timedelta(days=1)},
        {"account_id": "woke", "created_at": datetime(2016, 7, 5)},
        {"account_id": "quiet", "created_at": datetime(2016, 7, 5)},
    ])
    # woke: created 5 Jul, silent 40 days, then 30 posts a day for 10 days.
    add_posts(store, "woke", [datetime(2016, 8, 14) + timedelta(minutes=48 * i) for i in range(300)])
    # quiet: created 5 Jul, first post 40 days later, then one post a week: ordinary.
    add_posts(store, "quiet", [datetime(2016, 8, 14) + timedelta(days=7 * i) for i in range(4)])
    compute_account_signals(store, DS, ["sleeper"])
    rows = {a: (f, s) for a, f, s in store.rows(
        "SELECT account_id, flagged, sentence FROM account_signals WHERE signal = 'sleeper'")}
    assert rows["woke"][0]
    assert "40 silent days" in rows["woke"][1] and "posts a day" in rows["woke"][1]
    assert not rows["quiet"][0]
    assert "sleepy" not in rows  # no posts, nothing to judge
    assert sum(rows[a][0] for a in organic if a in rows) / len(organic) <= 0.01


def test_silence_before_the_data_is_not_counted(store: Store) -> None:
    add_accounts(store, [{"account_id": "old", "created_at": datetime(2012, 1, 1)},
                         {"account_id": "other", "created_at": datetime(2012, 1, 1)}])
    add_posts(store, "other", [START])
    # Busy from the first day of the data: years since creation, but no silence we can see.
    add_posts(store, "old", [START + timedelta(hours=1, minutes=30 * i) for i in range(200)])
    compute_account_signals(store, DS, ["sleeper"])
    f, s = store.rows("SELECT flagged, sentence FROM account_signals WHERE account_id = 'old'")[0]
    assert not f
    assert "start of the data" in s
