"""Engine parity: the same detection on two engines, compared the way the issue states it.

``parity(store_a, store_b, dataset, truth)`` compares two stores that ran ``lockstep detect`` on the
same posts (one per engine): per trace, the Jaccard index of the significant edge sets; the
adjusted Rand index of the account partitions into networks (accounts in no network form one
class); and the benchmark F1 of each. The contract test (``tests/engine/test_parity.py``) and
``bench/spark_parity.py`` both use it, so the figures a bench prints are the ones CI checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockstep.evaluate import evaluate
from lockstep.store import Store


@dataclass
class Parity:
    """How far two engines' results on one dataset agree."""

    jaccard: dict[str, float] = field(default_factory=dict)  # trace -> |A & B| / |A | B|
    edges: dict[str, tuple[int, int]] = field(default_factory=dict)  # trace -> (edges A, edges B)
    adjusted_rand: float = 1.0
    networks: tuple[int, int] = (0, 0)
    f1: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"jaccard": self.jaccard, "edges": self.edges, "adjusted_rand": self.adjusted_rand,
                "networks": self.networks, "f1": self.f1}


def _edges(store: Store, dataset: str) -> dict[str, set[tuple[str, str, str, str]]]:
    out: dict[str, set[tuple[str, str, str, str]]] = {}
    for trace, pa_, aa, pb, ab in store.rows(
            "SELECT trace, platform_a, account_a, platform_b, account_b FROM edges WHERE dataset = ?", [dataset]):
        out.setdefault(trace, set()).add((pa_, aa, pb, ab))
    return out


def _members(store: Store, dataset: str) -> dict[tuple[str, str], int]:
    return {(p, a): int(n) for p, a, n in store.rows(
        "SELECT platform, account_id, network_id FROM members WHERE dataset = ?", [dataset])}


def parity(store_a: Store, store_b: Store, dataset: str, truth: Path | None = None) -> Parity:
    """Compare the detection results of ``dataset`` in two stores (see the module docstring)."""
    from sklearn.metrics import adjusted_rand_score

    out = Parity()
    ea, eb = _edges(store_a, dataset), _edges(store_b, dataset)
    for trace in sorted(set(ea) | set(eb)):
        a, b = ea.get(trace, set()), eb.get(trace, set())
        out.jaccard[trace] = len(a & b) / len(a | b) if a | b else 1.0
        out.edges[trace] = (len(a), len(b))
    ma, mb = _members(store_a, dataset), _members(store_b, dataset)
    accounts = sorted(set(ma) | set(mb))
    if accounts:
        # Accounts flagged on one side only sit in the "no network" class (0) on the other.
        out.adjusted_rand = float(adjusted_rand_score([ma.get(k, 0) for k in accounts],
                                                      [mb.get(k, 0) for k in accounts]))
    out.networks = (len(set(ma.values())), len(set(mb.values())))
    if truth is not None:
        out.f1 = (float(evaluate(store_a, truth, dataset)["f1"]), float(evaluate(store_b, truth, dataset)["f1"]))
    return out
