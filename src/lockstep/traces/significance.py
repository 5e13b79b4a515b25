"""The null model and the false-discovery control shared by every trace.

Null model (analytic, "configuration" style): account ``a`` takes part in ``n_a`` events of a
trace (shares, posts, reposts...), item ``i`` is taken up by ``k_i`` accounts, and there are ``M``
events in all. If accounts picked items independently, keeping both their activity and the items'
popularity, ``a`` and ``b`` would share item ``i`` with probability about
``n_a k_i / M * n_b (k_i - 1) / M``, and do so within the time window with the item's share of
pairs that fall inside it. Summed over items this is ``lambda_ab = n_a n_b * 2 P_w / M**2`` where
``P_w`` is the number of co-sharing episodes (pair, item, window slot) actually observed over all
pairs on those items, so that the expectations of all pairs add up to what was observed. A pair's
own count of episodes is compared with a Poisson tail (conservative: a sum of
independent Bernoullis is less spread than a Poisson of the same mean).

Popular items (a viral link shared by thousands in minutes) make ``P_w`` large but only for their
own popularity class, so the test is run on nested popularity classes (items taken up by at most
2, 4, 8... accounts) and the smallest p-value, Bonferroni-corrected for the number of classes,
is kept: a pair that shares many *rare* items is judged against the (tiny) chance of sharing rare
items, and viral items cannot hide it, nor create it.

A second confound is repetition: fans of one band each use its hashtag thirty times a month, so
any two of them will now and then use it within minutes of each other. For the items a pair shares
*and at least one of them used more than once*, the timing null (the analytic form of shifting each
account's timeline at random) expects ``n_ai * n_bi * P(two random events within the window)``
coincidences, where ``n_ai`` is how often ``a`` used item ``i`` and the probability follows the
trace's own hour-by-hour activity curve (so daily rhythms are kept). Both expectations are added -
an edge must beat the two explanations together - which is conservative. An item each of the two
used once gets no timing term: that they both took up a rare link at all is what the popularity
null judges, and charging the coincidence of its timing on top would count the shared item as
given - which hid operations that spread the same actions over hours (``low_and_slow``: recall 0.21
with the term, 0.99 without, on the 1M-post benchmark, with no more organic accounts flagged than
0.15%).

Where a trace's items belong to one platform (a reposted post), accounts can only meet on their
own platform's items, and the model above becomes a degree-corrected block model with platforms as
blocks: ``M`` and ``P_w`` are taken per platform (``lambda_ab = n_a n_b P_w^pp / (M_p**2 / 2)``),
so that heavy users of a small platform meeting on its few popular posts are not judged against
the events of every platform (see ``pair_norm`` below and ``cooccur._Blocks``).

Benjamini-Hochberg then controls the false discovery rate over *all* account pairs that could have
been tested (every pair of active accounts, per trace), not just the pairs that were looked at.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def weak_p_bound(n_active: int) -> float:
    """The p-value below which a pair still says something about its accounts, though not enough
    for an edge: one over the number of accounts a trace saw (an account-level Bonferroni bound:
    an account with ``n`` possible partners expects fewer than one chance pair beyond it)."""
    return 1.0 / max(n_active, 2)


def poisson_sf(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``P(X > k)`` for ``X ~ Poisson(lam)``: exactly what ``scipy.stats.poisson.sf`` returns (it
    calls the same ``pdtrc``), without importing ``scipy.stats``, which costs about a second of
    CPU at the start of every ``lockstep detect``."""
    k, lam = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(lam, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        tail = np.clip(special.pdtrc(np.floor(np.maximum(k, 0.0)), lam), 0.0, 1.0)
    out = np.where(k < 0, 1.0, tail)
    return np.where(np.isnan(lam) | (lam < 0) | np.isnan(k), np.nan, out)


def binom_sf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``P(X > k)`` for ``X ~ Binomial(n, p)``: what ``scipy.stats.binom.sf`` returns (it calls the
    same ``bdtrc``), without importing ``scipy.stats`` (see :func:`poisson_sf`)."""
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, n, p)))
    bad = np.isnan(p) | (p < 0) | (p > 1) | np.isnan(k) | np.isnan(n) | (n < 0)
    trials = np.rint(np.where(bad, 0.0, n)).astype(np.int64)  # bdtrc takes whole counts only
    below = np.floor(np.clip(np.where(bad, 0.0, k), 0.0, np.maximum(trials - 1, 0))).astype(np.int64)
    with np.errstate(invalid="ignore"):
        tail = np.clip(special.bdtrc(below, trials, np.where(bad, 0.0, p)), 0.0, 1.0)
    out = np.where(k < 0, 1.0, np.where(k >= trials, 0.0, tail))
    return np.where(bad, np.nan, out)


def popularity_class(k: np.ndarray) -> np.ndarray:
    """Class ``c`` holds items taken up by ``2**(c-1) < k <= 2**c`` accounts (k >= 2 -> c >= 1)."""
    return np.ceil(np.log2(np.maximum(k, 2))).astype(np.int64)


def pair_p_values(
    lo_n: np.ndarray,
    hi_n: np.ndarray,
    counts: np.ndarray,
    pw_by_class: np.ndarray,
    events: int,
    extra: np.ndarray | None = None,
    pair_norm: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """p-values of pairs given their co-share counts per popularity class.

    ``counts`` is (pairs x classes); ``pw_by_class`` the within-window episodes observed on items
    of each class, either one row for all pairs or one row per pair (the pair's block, see
    below); ``events`` the trace's event total ``M``; ``extra`` (pairs x classes) the timing
    null's expectation, added to the popularity null's. ``pair_norm`` (per pair) is the number
    of event pairs the two accounts' blocks can form (``M_p**2 / 2`` within block ``p``,
    ``M_p M_q`` across blocks ``p``, ``q``); without it all accounts form one block
    (``M**2 / 2``). Returns ``(p, expected)`` where ``expected`` is the chance expectation over
    all classes.
    """
    if counts.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    norm = pair_norm if pair_norm is not None else float(events) ** 2 / 2.0
    scale = (lo_n.astype(np.float64) * hi_n.astype(np.float64)) / np.maximum(norm, 1.0)
    cum_x = np.cumsum(counts, axis=1)
    pw = np.asarray(pw_by_class, dtype=np.float64)
    cum_pw = np.cumsum(pw, axis=-1)
    lam = scale[:, None] * (cum_pw if pw.ndim == 2 else cum_pw[None, :])
    if extra is not None:
        lam = lam + np.cumsum(extra, axis=1)
    lam = np.maximum(lam, 1e-300)
    tails = poisson_sf(cum_x - 1, lam)
    tails = np.where(cum_x > 0, tails, 1.0)
    classes = np.maximum(np.count_nonzero(pw, axis=-1), 1)
    p = np.minimum(tails.min(axis=1) * classes, 1.0)
    return p, lam[:, -1]


def benjamini_hochberg(p: np.ndarray, tested: int) -> np.ndarray:
    """BH q-values of ``p`` when ``tested`` hypotheses were tested in all (the untested or
    unlisted ones having larger p-values, which only makes this conservative)."""
    n = len(p)
    if n == 0:
        return np.zeros(0)
    m = max(int(tested), n)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, n + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1.0)
    return q
