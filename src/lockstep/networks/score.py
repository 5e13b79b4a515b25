"""Network and member scores.

The coordination score of a network rewards what makes coordination hard to explain away::

    raw   = ln(1 + s) * (1 + 0.5 ln D) * (0.5 + 0.5 rho) * (1 + 0.1 ln n) * (1 + 0.1 ln(1 + days))
    score = 1 - exp(-raw / 3)            (in [0, 1); monotone in raw)

``s`` is the mean weighted degree of members inside the network (sum of rarity-weighted shared
items over its significant edges), ``D`` the number of distinct traces, ``rho`` the edge density,
``n`` the size and ``days`` the time span of its evidence. A member's score is the network score
times its strength relative to the strongest member, so the core of a network ranks above its
periphery. The account-signals stage may re-score both (``lockstep.signals.apply``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkFigures:
    size: int
    edges: int
    strength: float
    traces: int
    span_days: float

    @property
    def density(self) -> float:
        possible = self.size * (self.size - 1) / 2
        return self.edges / possible if possible else 0.0


def coordination_score(f: NetworkFigures) -> float:
    s = f.strength / max(f.size, 1)
    raw = (math.log1p(s) * (1 + 0.5 * math.log(max(f.traces, 1))) * (0.5 + 0.5 * f.density)
           * (1 + 0.1 * math.log(max(f.size, 1))) * (1 + 0.1 * math.log1p(max(f.span_days, 0.0))))
    return 1.0 - math.exp(-raw / 3.0)


def member_scores(network_score: float, strengths: list[float]) -> list[float]:
    top = max(strengths, default=0.0)
    if top <= 0:
        return [network_score] * len(strengths)
    return [network_score * s / top for s in strengths]
