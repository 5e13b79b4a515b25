"""The pooled test over traces (lockstep.traces.combine)."""

from __future__ import annotations

import pyarrow as pa
from scipy import stats

from lockstep.traces.base import EDGE_SCHEMA
from lockstep.traces.combine import pooled_edges


def _edges(rows: list[tuple[str, str, int, float]]) -> pa.Table:
    n = len(rows)
    return pa.table({
        "platform_a": ["x"] * n, "account_a": [r[0] for r in rows],
        "platform_b": ["x"] * n, "account_b": [r[1] for r in rows],
        "weight": [1.0] * n, "count": [r[2] for r in rows], "expected": [r[3] for r in rows],
        "p_value": [float(stats.poisson.sf(r[2] - 1, r[3])) for r in rows],
        "evidence_ids": [[f"x/{r[0]}{r[1]}"] for r in rows], "evidence_items": [["it"] for r in rows],
        "window_s": [60.0] * n,
    }, schema=EDGE_SCHEMA)


def test_pair_weak_in_each_trace_is_strong_pooled_and_chance_pair_is_not() -> None:
    links = _edges([("a", "b", 4, 0.06), ("c", "d", 3, 2.5), ("e", "f", 9, 0.1)])
    texts = _edges([("a", "b", 4, 0.2), ("c", "d", 3, 3.0)])
    tags = _edges([("a", "b", 3, 0.1)])
    out = pooled_edges({"co_link": links, "co_text": texts, "co_hashtag": tags}).to_pandas()
    got = {(r.account_a, r.account_b): r for r in out.itertuples()}
    assert set(got) == {("a", "b"), ("c", "d")}  # e-f is seen by one trace only: nothing to pool
    ab = got[("a", "b")]
    assert ab.count == 11 and abs(ab.expected - 0.36) < 1e-9
    # must fire: 11 events against 0.36 expected, after the 3**3 selection correction
    assert abs(ab.p_value - stats.poisson.sf(10, 0.36) * 27) < 1e-15 and ab.p_value < 1e-10
    # ... although no single trace alone gets below 1e-7
    assert min(t.to_pandas().query("account_a == 'a'").p_value.min() for t in (links, texts, tags)) > 1e-7
    assert sorted(ab.evidence_ids) == ["x/ab", "x/ab", "x/ab"]
    # must not fire: counts in line with chance stay at p = 1 after correction
    assert got[("c", "d")].p_value == 1.0


def test_nothing_to_pool() -> None:
    assert pooled_edges({"co_link": _edges([])}) is None
    assert pooled_edges({"co_link": _edges([("a", "b", 4, 0.1)])}) is None
