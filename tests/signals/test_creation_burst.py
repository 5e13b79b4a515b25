"""creation_burst: a planted burst fires; accounts spread over years do not."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from lockstep.errors import ConfigError
from lockstep.signals.apply import compute_account_signals
from lockstep.signals.creation_burst import CreationBurst
from lockstep.store import Store
from tests.signals.planted import DS, add_accounts, add_network, organic_world


def _flags(store: Store) -> dict[str, tuple[bool, str, float]]:
    rows = store.rows("SELECT account_id, flagged, sentence, percentile FROM account_signals "
                      "WHERE signal = 'creation_burst'")
    return {a: (f, s, p) for a, f, s, p in rows}


def test_burst_fires_and_organic_stays_quiet(store: Store) -> None:
    rng = np.random.default_rng(1)
    organic = organic_world(store, rng, n=400)
    t0 = datetime(2016, 3, 2, 14, 5)
    burst = [f"burst{i}" for i in range(24)]
    add_accounts(store, [{"account_id": a, "handle": a, "created_at": t0 + timedelta(minutes=int(rng.integers(0, 40)))}
                         for a in burst])
    add_network(store, 1, burst[:12], 1.0)
    compute_account_signals(store, DS, ["creation_burst"])
    flags = _flags(store)
    assert all(flags[a][0] for a in burst)
    fp = sum(flags[a][0] for a in organic) / len(organic)
    assert fp <= 0.01
    _, sentence, pct = flags["burst0"]
    assert sentence.startswith("Created 2016-03-02")
    assert "other accounts" in sentence and "members of its network were created within" in sentence and "top" in sentence
    assert pct > 90


def test_evenly_spaced_accounts_do_not_fire(store: Store) -> None:
    # One account every 10 minutes for days: dense, but no denser than the local rate predicts.
    add_accounts(store, [{"account_id": f"a{i}", "created_at": datetime(2016, 1, 1) + timedelta(minutes=10 * i)}
                         for i in range(2000)])
    compute_account_signals(store, DS, ["creation_burst"])
    assert not any(f for f, _, _ in _flags(store).values())


def test_bad_parameter_is_refused(store: Store) -> None:
    add_accounts(store, [{"account_id": "a", "created_at": datetime(2016, 1, 1)}])
    with pytest.raises(ConfigError, match="alpha"):
        CreationBurst(alpha=2.0).compute(store, DS)
