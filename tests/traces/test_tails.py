"""The tail functions of the null models equal scipy.stats' own, edge cases included."""

from __future__ import annotations

import numpy as np
from scipy import stats

from lockstep.traces.significance import binom_sf, poisson_sf


def test_binomial_tail_is_scipys() -> None:
    n = np.repeat(np.arange(0, 13), 16).astype(float)
    k = np.tile(np.arange(-2, 14), 13).astype(float)
    for p in (0.0, 1e-6, 0.024, 0.5, 0.99, 1.0):
        np.testing.assert_allclose(binom_sf(k, n, np.full_like(n, p)), stats.binom.sf(k, n, p), rtol=1e-12, atol=0)


def test_poisson_tail_is_scipys() -> None:
    k = np.arange(-2, 30).astype(float)
    for lam in (1e-9, 0.26, 3.0, 25.0):
        np.testing.assert_allclose(poisson_sf(k, np.full_like(k, lam)), stats.poisson.sf(k, lam), rtol=1e-12, atol=0)
