"""Small statistics shared by pivots and watches."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, false_discovery_control


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (0: same mix, 1: disjoint)."""
    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    return float(jensenshannon(p / p.sum(), q / q.sum(), base=2) ** 2)


def homogeneity_p(before: np.ndarray, after: np.ndarray, min_expected: float = 5.0) -> float:
    """Chi-square test that two windows' topic counts come from one mix. Topics too rare for the
    test's approximation are pooled into one column."""
    table = np.vstack([before, after]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    expected_min = table.sum(axis=0) * table.sum(axis=1).min() / table.sum()
    rare = expected_min < min_expected
    if rare.any():
        table = np.column_stack([table[:, ~rare], table[:, rare].sum(axis=1)])
        table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def bh(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values)."""
    if not pvalues:
        return []
    return [float(q) for q in false_discovery_control(np.asarray(pvalues), method="bh")]
