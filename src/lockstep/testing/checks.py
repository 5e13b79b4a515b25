"""Contract suite for trace detectors: what every detector, built-in or plug-in, must hold to.

>>> from lockstep.testing.checks import check_detector
>>> check_detector(MyDetector)          # raises AssertionError naming the broken rule

Modelled on scikit-learn's ``check_estimator``: parameters round-trip, results are idempotent
and ignore row order, edges are undirected pairs stored once (a < b) without self-loops, p-values
are probabilities, and the detector's own ``example()`` comes out as it says.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np
import pyarrow as pa

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.traces.base import EDGE_SCHEMA, META_TESTED, Example
from lockstep.traces.significance import benjamini_hochberg

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def check_detector(detector_cls: Any) -> None:
    """Run every check on ``detector_cls``; raise ``AssertionError`` on the first failure."""
    check_name(detector_cls)
    check_params_round_trip(detector_cls)
    example = detector_cls.example()
    assert isinstance(example, Example), f"{detector_cls.__name__}.example() must return an Example"
    first = run_on(detector_cls(), example.table())
    check_edges_well_formed(first, detector_cls.__name__)
    check_example_holds(detector_cls, example, first)
    check_idempotent(detector_cls, example, first)
    check_row_order_ignored(detector_cls, example, first)


def run_on(detector: Any, posts: pa.Table, engine: DuckDBEngine | None = None) -> pa.Table:
    """Run a detector on posts in a fresh in-memory DuckDB engine."""
    engine = engine or DuckDBEngine()
    engine.write("posts", posts)
    return detector.detect(engine, "posts")


def significant_pairs(edges: pa.Table, fdr: float) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    tested = int((edges.schema.metadata or {}).get(META_TESTED, b"0"))
    q = benjamini_hochberg(edges.column("p_value").to_numpy(), tested)
    cols = [edges.column(c).to_pylist() for c in ("platform_a", "account_a", "platform_b", "account_b")]
    return {((pa_, a), (pb, b)) for pa_, a, pb, b, qq in zip(*cols, q, strict=True) if qq <= fdr}


def check_name(cls: Any) -> None:
    name = getattr(cls, "name", None)
    assert isinstance(name, str) and _KEY.match(name), f"{cls.__name__}.name must be a lower_snake key, got {name!r}"
    assert isinstance(getattr(cls, "action", None), str), f"{cls.__name__} needs an 'action' phrase for explanations"


def check_params_round_trip(cls: Any) -> None:
    """Keyword-only parameters, kept as given under their own names (scikit-learn's rule)."""
    sig = inspect.signature(cls.__init__)
    params = [p for p in sig.parameters.values() if p.name != "self"]
    for p in params:
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{cls.__name__}: parameter {p.name!r} must be keyword-only"
        assert p.default is not inspect.Parameter.empty, f"{cls.__name__}: parameter {p.name!r} needs a default"
    obj = cls()
    values = {p.name: getattr(obj, p.name) for p in params}
    assert values == {p.name: p.default for p in params}, f"{cls.__name__} changes its parameters in __init__"
    again = cls(**values)
    assert {k: getattr(again, k) for k in values} == values, f"{cls.__name__}: parameters do not round-trip"
    if hasattr(obj, "get_params"):
        assert obj.get_params() == values, f"{cls.__name__}.get_params() disagrees with the constructor"


def check_edges_well_formed(edges: pa.Table, owner: str) -> None:
    for f in EDGE_SCHEMA:
        assert f.name in edges.column_names, f"{owner}: result lacks column {f.name!r}"
    a = list(zip(edges.column("platform_a").to_pylist(), edges.column("account_a").to_pylist(), strict=True))
    b = list(zip(edges.column("platform_b").to_pylist(), edges.column("account_b").to_pylist(), strict=True))
    assert all(x != y for x, y in zip(a, b, strict=True)), f"{owner}: self-loop in edges"
    assert all(x < y for x, y in zip(a, b, strict=True)), f"{owner}: edges must be stored with a < b"
    assert len(set(zip(a, b, strict=True))) == len(a), f"{owner}: the same pair appears twice"
    p = edges.column("p_value").to_numpy()
    assert np.all((p >= 0) & (p <= 1)), f"{owner}: p-values outside [0, 1]"
    assert np.all(edges.column("count").to_numpy() >= 1), f"{owner}: an edge with no shared item"
    assert META_TESTED in (edges.schema.metadata or {}), f"{owner}: result must say how many pairs were tested"


def check_example_holds(cls: Any, example: Example, edges: pa.Table) -> None:
    got = significant_pairs(edges, example.fdr)
    assert got == example.expected, (
        f"{cls.__name__}.example(): expected significant pairs {sorted(example.expected)}, got {sorted(got)}"
    )


def _canonical(edges: pa.Table) -> list[tuple[Any, ...]]:
    rows = edges.to_pylist()
    out = []
    for r in rows:
        ev = sorted(zip(r["evidence_ids"], r["evidence_items"], strict=True))
        out.append((r["platform_a"], r["account_a"], r["platform_b"], r["account_b"], r["count"],
                    round(r["weight"], 9), float(f"{r['p_value']:.9g}"), tuple(ev)))
    return sorted(out)


def check_idempotent(cls: Any, example: Example, first: pa.Table) -> None:
    engine = DuckDBEngine()
    engine.write("posts", example.table())
    again = [cls().detect(engine, "posts") for _ in range(2)]
    for r in again:
        assert _canonical(r) == _canonical(first), f"{cls.__name__}: a second run gives different edges"


def check_row_order_ignored(cls: Any, example: Example, first: pa.Table) -> None:
    table = example.table()
    rng = np.random.default_rng(7)
    for _ in range(2):
        shuffled = table.take(pa.array(rng.permutation(table.num_rows)))
        assert _canonical(run_on(cls(), shuffled)) == _canonical(first), (
            f"{cls.__name__}: edges change when the posts come in another order"
        )
