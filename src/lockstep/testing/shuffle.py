"""Degree-preserving shuffles of an account x item table, to check a time-free null model.

The "curveball" algorithm (Strona et al. 2014; Carstens 2015 shows it samples uniformly): pick
two accounts, pool the items only one of them uses, deal the pool back at random in the same
sizes. Every account keeps its number of distinct items and every item its number of accounts,
while who-uses-what with whom is destroyed - exactly the null of
:mod:`lockstep.traces.similarity`. A sound detector flags (almost) no pair on the result.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def curveball(table: pa.Table, *, seed: int = 0, rounds: int = 5) -> pa.Table:
    """``table`` of distinct ``(platform, account_id, item)`` rows (other columns ignored) ->
    the same accounts and items, each with its own number of partners, shuffled by
    ``rounds x accounts`` curveball trades. Rows: ``platform, account_id, item``."""
    rng = np.random.default_rng(seed)
    acc = [f"{p}\x1f{a}" for p, a in zip(table.column("platform").to_pylist(),
                                          table.column("account_id").to_pylist(), strict=True)]
    items_of: dict[str, set[str]] = {}
    for a, i in zip(acc, table.column("item").to_pylist(), strict=True):
        items_of.setdefault(a, set()).add(i)
    names = sorted(items_of)
    lists = [items_of[n] for n in names]
    n = len(lists)
    for _ in range(rounds * n if n > 1 else 0):
        x, y = rng.choice(n, size=2, replace=False)
        a, b = lists[x], lists[y]
        only_a, only_b = a - b, b - a
        if not only_a or not only_b:
            continue
        pool = sorted(only_a | only_b)
        rng.shuffle(pool)
        lists[x] = (a & b) | set(pool[: len(only_a)])
        lists[y] = (a & b) | set(pool[len(only_a):])
    rows = [(name, item) for name, items in zip(names, lists, strict=True) for item in sorted(items)]
    plat, account = zip(*(r[0].split("\x1f", 1) for r in rows), strict=True) if rows else ((), ())
    return pa.table({"platform": pa.array(list(plat), pa.string()),
                     "account_id": pa.array(list(account), pa.string()),
                     "item": pa.array([r[1] for r in rows], pa.string())})
