"""Account evidence below and above the network threshold (lockstep.traces.account_evidence)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from lockstep.networks.account_score import SET_ASIDE_FACTOR, graded_scores
from lockstep.traces.account_evidence import CAP, account_evidence, active_accounts, pair_excess


def _edges(rows: list[tuple[str, str, float]]) -> pa.Table:
    return pa.table({"platform_a": ["x"] * len(rows), "account_a": [a for a, _, _ in rows],
                     "platform_b": ["x"] * len(rows), "account_b": [b for _, b, _ in rows],
                     "p_value": [p for _, _, p in rows]})


def test_active_accounts_inverts_pair_count() -> None:
    for n in (2, 3, 10, 1000, 123_457):
        assert active_accounts(n * (n - 1) // 2) == n
    assert active_accounts(0) == 0


def test_excess_counts_only_what_beats_one_over_n_and_each_pair_once() -> None:
    n = 1000  # chance bound 1e-3
    a = _edges([("a", "b", 1e-6), ("a", "c", 1e-2), ("b", "c", 1e-300)])
    b = _edges([("a", "b", 1e-9)])  # the same pair in a second layer: only its best layer counts
    pairs = pair_excess([("t1", a, n), ("t2", b, n)])
    got = {(r.account_a, r.account_b): (r.excess, r.trace) for r in pairs.itertuples()}
    assert got[("a", "b")] == pytest.approx((6.0, "t2"))
    assert ("a", "c") not in got  # p above 1/n says nothing about the account
    assert got[("b", "c")][0] == CAP  # one overwhelming pair is capped
    ev = account_evidence(pairs).set_index("account_id")
    assert ev.loc["a", "evidence"] == pytest.approx(6.0)
    assert ev.loc["b", "evidence"] == pytest.approx(6.0 + CAP) and ev.loc["b", "partners"] == 2
    assert ev.loc["b", "best_trace"] == "t1" and "x" not in ev.index


def test_chance_pairs_give_little_evidence() -> None:
    """Under the null, p is uniform: an account with n partners gets about log10(e) decades at most."""
    rng = np.random.default_rng(0)
    n = 2000
    rows = [("a", f"b{i}", float(p)) for i, p in enumerate(rng.uniform(size=n))]
    ev = account_evidence(pair_excess([("t", _edges(rows), n)]))
    total = float(ev.loc[ev["account_id"] == "a", "evidence"].sum()) if len(ev) else 0.0
    assert total < 5 * math.log10(math.e)


def test_graded_score_is_monotone_and_coordination_first() -> None:
    evidence = np.array([0.0, 0.0, 1.0, 5.0, 50.0])
    s = graded_scores(evidence, np.array([0.0, 1.0, 0.0, 0.0, 0.0]), np.zeros(5, bool))
    assert s[0] == 0 and s[1] == 0  # signals alone never score
    assert list(s[2:]) == sorted(s[2:]) and 0 < s[2] < s[3] < s[4] < 1
    with_signals = graded_scores(evidence, np.ones(5), np.zeros(5, bool))
    assert (with_signals[2:] > s[2:]).all()
    aside = graded_scores(evidence, np.zeros(5), np.ones(5, bool))
    assert np.allclose(aside, s * SET_ASIDE_FACTOR)
