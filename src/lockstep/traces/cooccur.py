"""The set work behind every item-sharing trace: windowed co-occurrence, counted and tested.

A trace only says what its *events* are: rows ``(platform, account_id, post_id, ts, item, label)``
(``ts`` in seconds, ``item`` the shared thing's key, ``label`` how to show it). This module then,
in portable SQL through the engine:

1. numbers accounts and items, and ranks each item's events by time;
2. pairs every event with at most ``max_neighbors`` following events of the same item that fall
   within the window (an equi-join on ``(item, rank + offset)``) - so a viral link shared by 5,000
   accounts costs 5,000 x ``max_neighbors`` rows, never 12.5 million pairs;
3. counts, per account pair, its co-sharing *episodes* - distinct (item, window slot) in which both
   took the item up within the window, so one campaign hashtag pushed in ten separate waves is ten
   pieces of evidence, while a burst of repeats in one slot is one - and the episodes of all pairs
   per item popularity class (the null model's ``P_w``);
4. tests each pair with at least ``min_items`` distinct shared items (:mod:`.significance`) and collects the
   supporting posts of the pairs whose p-value may survive the FDR control.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.engine.base import Engine
from lockstep.traces.base import EDGE_SCHEMA, META_TESTED, META_WINDOW
from lockstep.traces.significance import pair_p_values, popularity_class, weak_p_bound

log = logging.getLogger(__name__)

#: Width (seconds) of the time slots a distributed engine ranks an item's events in (:func:`_rank_events`).
RANK_SLOT_S = 3600.0
#: The most items and posts per item kept as an edge's evidence.
EVIDENCE_ITEMS = 20
EVIDENCE_POSTS_PER_ITEM = 2


def estimate_window(engine: Engine, ordered: str, *, quantile: float = 0.1) -> float:
    """CooRnet-style coordination interval: the ``quantile`` of the delay between an item's first
    share and its later shares, over items taken up by at least two accounts; 1 s .. 1 day.

    A distributed engine takes each item's first share from an aggregation (combined per
    partition before the shuffle) instead of a window over all the item's events in one task."""
    first = (f"SELECT o.ts, f.first_ts FROM {ordered} o JOIN "
             f"(SELECT iid, MIN(ts) AS first_ts FROM {ordered} GROUP BY iid) f ON o.iid = f.iid"
             if engine.distributed else f"SELECT ts, MIN(ts) OVER (PARTITION BY iid) AS first_ts FROM {ordered}")
    row = engine.sql(
        f"SELECT {engine.quantile('ts - first_ts', quantile)} AS w FROM ({first}) d WHERE ts > first_ts"
    ).column("w")[0].as_py()
    if row is None or not math.isfinite(row):
        return 60.0
    return float(min(max(round(row), 1.0), 86400.0))


class _Clock:
    """Logs how long each step of a trace takes (``lockstep -vv detect``)."""

    def __init__(self, trace: str) -> None:
        self.trace, self.t = trace, time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        log.debug("%s: %s took %.2f s", self.trace, step, now - self.t)
        self.t = now


def co_occurrence(
    engine: Engine,
    events_sql: str,
    *,
    trace: str,
    window: float | str,
    min_items: int,
    max_neighbors: int = 32,
    p_max: float = 1.0,
    same_time_only: bool = False,
    slow_factor: float = 1.0,
    platform_blocks: bool = False,
) -> pa.Table:
    """Candidate edges (see :data:`~lockstep.traces.base.EDGE_SCHEMA`) of one trace.

    ``same_time_only`` marks traces whose items are time slots of the window's width (``sync``):
    the window is then not estimated from the data. ``platform_blocks`` marks traces whose items
    belong to one platform (see :class:`_Blocks`).
    """
    t = f"_ls_{trace}"
    clock = _Clock(trace)
    # Items are keyed by a 64-bit hash from here on: grouping, joining and ranking integers is
    # several times cheaper than doing it on URLs or texts. The labels stay in ``_raw`` for the
    # evidence step. (Two distinct items share a hash with probability ~ n**2 / 2**65: about
    # 3e-6 for ten million distinct items.)
    engine.materialize(
        f"{t}_raw",
        f"SELECT platform, account_id, post_id, ts, {engine.hash64('item')} AS iid, label FROM ({events_sql}) e "
        "WHERE item IS NOT NULL AND item <> '' AND ts IS NOT NULL",
    )
    engine.materialize(
        f"{t}_nodes",
        "SELECT platform, account_id, ROW_NUMBER() OVER (ORDER BY platform, account_id) AS node "
        f"FROM (SELECT DISTINCT platform, account_id FROM {t}_raw) a",
    )
    engine.materialize(
        f"{t}_ev",
        f"SELECT DISTINCT n.node, r.post_id, r.ts, r.iid FROM {t}_raw r "
        f"JOIN {t}_nodes n ON n.platform = r.platform AND n.account_id = r.account_id",
    )
    clock("events")
    n_active, events = engine.sql(
        f"SELECT (SELECT COUNT(*) FROM {t}_nodes) AS n, (SELECT COUNT(*) FROM {t}_ev) AS m"
    ).to_pylist()[0].values()
    engine.materialize(
        f"{t}_items",
        f"SELECT iid, COUNT(DISTINCT node) AS k, COUNT(*) AS c FROM {t}_ev GROUP BY iid",
    )
    _rank_events(engine, t, _item_cap(int(n_active or 0), max_neighbors))
    clock("items and ranks")
    empty = _empty(window if isinstance(window, float) else 0.0, 0)
    if not events:
        _cleanup(engine, t)
        return empty
    auto = window == "auto" and not same_time_only
    window_s = estimate_window(engine, f"{t}_ord") if auto else float(window if window != "auto" else 60.0)
    # Two time scales: the window, and a slow one (slow_factor times longer) for operations that
    # spread the same actions over hours; each pair keeps its better scale (Bonferroni x2).
    scales = [window_s]
    if not same_time_only and slow_factor > 1:
        scales.append(min(window_s * slow_factor, 86400.0))
        if scales[1] <= scales[0]:
            scales.pop()
    engine.write(f"{t}_off", pa.table({"d": pa.array(range(1, max_neighbors + 1), pa.int64())}))
    ep_cols = ", ".join(
        f"COUNT(DISTINCT CASE WHEN b.ts - a.ts <= {w!r} THEN FLOOR(a.ts / {max(w, 1.0)!r}) END) AS ep{j}"
        for j, w in enumerate(scales))
    # Where items are time slots (sync) each account has one event per item, so a pair meets at
    # most once per item: one episode, nothing to group (at 10M posts, 320M rows not aggregated).
    single = same_time_only and len(scales) == 1
    engine.materialize(
        f"{t}_pe",
        "SELECT CASE WHEN a.node < b.node THEN a.node ELSE b.node END AS lo, "
        "       CASE WHEN a.node < b.node THEN b.node ELSE a.node END AS hi, "
        f"      a.iid AS iid, {'1 AS ep0' if single else ep_cols} "
        f"FROM {t}_ord a JOIN {t}_off o ON o.d <= a.c - a.rn "
        f"JOIN {t}_ord b ON b.iid = a.iid AND b.rn = a.rn + o.d "
        "WHERE b.ts - a.ts <= ? AND a.node <> b.node" + ("" if single else " GROUP BY 1, 2, 3"),
        [scales[-1]],
    )
    clock("windowed pairs")
    # The null model's P_w per popularity class, scale and block (platform pair): the episodes
    # of all pairs.
    sums = ", ".join(f"SUM(p.ep{j}) AS pw{j}" for j in range(len(scales)))
    if platform_blocks:
        pw_rows = engine.sql(
            f"SELECT i.k AS k, na.platform AS pa, nb.platform AS pb, {sums} FROM {t}_pe p "
            f"JOIN {t}_items i ON p.iid = i.iid JOIN {t}_nodes na ON na.node = p.lo "
            f"JOIN {t}_nodes nb ON nb.node = p.hi GROUP BY i.k, na.platform, nb.platform"
        )
    else:  # one block: per item first (few rows), then per popularity class
        per_item = ", ".join(f"SUM(ep{j}) AS ep{j}" for j in range(len(scales)))
        pw_rows = engine.sql(
            f"SELECT i.k AS k, '' AS pa, '' AS pb, {sums} FROM ("
            f"  SELECT iid, {per_item} FROM {t}_pe GROUP BY iid) p "
            f"JOIN {t}_items i ON p.iid = i.iid GROUP BY i.k"
        )
    if pw_rows.num_rows == 0:
        _cleanup(engine, t)
        return _empty(window_s, _pairs(n_active))
    clock("episode totals")
    blocks = _Blocks(engine, t, n_active, by_platform=platform_blocks)
    clock("blocks")
    cls = popularity_class(np.asarray(pw_rows.column("k").to_numpy(), dtype=np.int64))
    n_classes = int(cls.max()) + 1
    row_block = blocks.pair_block(blocks.code(pw_rows.column("pa").to_pylist()),
                                  blocks.code(pw_rows.column("pb").to_pylist()))
    pw_by_class = []
    for j in range(len(scales)):
        pw = np.zeros((blocks.n_pair_blocks, n_classes))
        np.add.at(pw, (row_block, cls), pw_rows.column(f"pw{j}").to_numpy().astype(np.float64))
        pw_by_class.append(pw)
    engine.materialize(
        f"{t}_tot",
        f"SELECT lo, hi FROM {t}_pe GROUP BY lo, hi HAVING COUNT(*) >= ?", [int(max(min_items, 1))],
    )
    clock("pairs with enough items")
    engine.materialize(
        f"{t}_cpe",
        f"SELECT p.* FROM {t}_pe p JOIN {t}_tot tot ON p.lo = tot.lo AND p.hi = tot.hi",
    )
    # How often each candidate account used each of its shared items (the timing null's n_ai).
    engine.materialize(
        f"{t}_nc",
        f"SELECT o.node, o.iid, COUNT(*) AS n FROM {t}_ord o "
        f"JOIN (SELECT lo AS node, iid FROM {t}_cpe UNION SELECT hi AS node, iid FROM {t}_cpe) w "
        "ON o.node = w.node AND o.iid = w.iid GROUP BY o.node, o.iid",
    )
    clock("their items")
    xs = ", ".join(f"SUM(p.ep{j}) AS x{j}" for j in range(len(scales)))
    cand = engine.sql(
        f"SELECT p.lo AS lo, p.hi AS hi, i.k AS k, {xs}, SUM(p.ep{len(scales) - 1} * LN(? / i.k)) AS w, "
        "       SUM(CASE WHEN na.n * nb.n > 1 THEN CAST(na.n AS DOUBLE) * nb.n ELSE 0 END) AS rep "
        f"FROM {t}_cpe p JOIN {t}_items i ON p.iid = i.iid "
        f"JOIN {t}_nc na ON na.node = p.lo AND na.iid = p.iid JOIN {t}_nc nb ON nb.node = p.hi AND nb.iid = p.iid "
        "GROUP BY p.lo, p.hi, i.k",
        [float(n_active)],
    )
    clock("candidates")
    n_of = blocks.n_of
    if cand.num_rows == 0:
        _cleanup(engine, t)
        return _empty(window_s, _pairs(n_active))

    df = cand.to_pandas()
    df["cls"] = popularity_class(df["k"].to_numpy())
    pairs = df.groupby(["lo", "hi"], sort=True).agg(w=("w", "sum")).reset_index()
    pair_idx = pd.MultiIndex.from_frame(pairs[["lo", "hi"]])
    row_pair = pair_idx.get_indexer(pd.MultiIndex.from_frame(df[["lo", "hi"]]))
    lo = pairs["lo"].to_numpy()
    hi = pairs["hi"].to_numpy()
    pair_block = blocks.pair_block(blocks.block_of[lo], blocks.block_of[hi])
    pair_norm = blocks.norm(blocks.block_of[lo], blocks.block_of[hi])
    best_p = np.full(len(pairs), np.inf)
    best = {"x": np.zeros(len(pairs), np.int64), "expected": np.zeros(len(pairs)), "window": np.zeros(len(pairs))}
    for j, w in enumerate(scales):
        counts = np.zeros((len(pairs), n_classes), dtype=np.int64)
        np.add.at(counts, (row_pair, df["cls"].to_numpy()), df[f"x{j}"].to_numpy())
        repeats = np.zeros((len(pairs), n_classes), dtype=np.float64)
        np.add.at(repeats, (row_pair, df["cls"].to_numpy()),
                  df["rep"].to_numpy() * _coincidence(engine, f"{t}_ev", w, events))
        p_j, exp_j = pair_p_values(n_of[lo], n_of[hi], counts, pw_by_class[j][pair_block], events,
                                   extra=repeats, pair_norm=pair_norm)
        better = p_j < best_p
        best_p = np.where(better, p_j, best_p)
        best["x"] = np.where(better, counts.sum(axis=1), best["x"])
        best["expected"] = np.where(better, exp_j, best["expected"])
        best["window"] = np.where(better, w, best["window"])
    clock("p-values")
    p = np.minimum(best_p * len(scales), 1.0)
    pairs = pairs.assign(x=best["x"], expected=best["expected"], window=best["window"])
    # Pairs beyond p_max but below the weak bound are returned without evidence: they cannot become
    # significant, but they rank accounts below the network threshold (lockstep.networks.account_score).
    keep = p <= max(p_max, weak_p_bound(int(n_active or 0)))
    pairs = pairs.assign(p=p)[keep].reset_index(drop=True)
    log.info("%s: %d accounts, %d events, window %.0f s, %d candidate pairs, %d kept",
             trace, n_active, events, window_s, len(p), len(pairs))
    if pairs.empty:
        _cleanup(engine, t)
        return _empty(window_s, _pairs(n_active))
    strong = pairs["p"].to_numpy() <= p_max
    ev_ids, ev_items = _sparse_evidence(engine, t, pairs[["lo", "hi"]], strong)
    clock("evidence")
    nodes = engine.sql(f"SELECT node, platform, account_id FROM {t}_nodes ORDER BY node")
    _cleanup(engine, t)
    # Nodes are numbered 1..n without gaps (ROW_NUMBER), so a node's row is node - 1.
    plat = nodes.column("platform").to_numpy(zero_copy_only=False)
    acc = nodes.column("account_id").to_numpy(zero_copy_only=False)
    lo_row = pairs["lo"].to_numpy() - 1
    hi_row = pairs["hi"].to_numpy() - 1
    out = pa.table(
        {
            "platform_a": plat[lo_row],
            "account_a": acc[lo_row],
            "platform_b": plat[hi_row],
            "account_b": acc[hi_row],
            "weight": pairs["w"].to_numpy(dtype=np.float64),
            "count": pairs["x"].to_numpy(dtype=np.int64),
            "expected": pairs["expected"].to_numpy(dtype=np.float64),
            "p_value": pairs["p"].to_numpy(dtype=np.float64),
            "evidence_ids": ev_ids,
            "evidence_items": ev_items,
            "window_s": pairs["window"].to_numpy(dtype=np.float64),
        },
        schema=EDGE_SCHEMA,
    )
    out = out.sort_by([("platform_a", "ascending"), ("account_a", "ascending"),
                       ("platform_b", "ascending"), ("account_b", "ascending")])
    return _with_meta(out, window_s, _pairs(n_active))


def _sparse_evidence(engine: Engine, t: str, pairs: pd.DataFrame, strong: np.ndarray
                     ) -> tuple[pa.Array, pa.Array]:
    """Evidence lists for the ``strong`` pairs, empty lists for the others (same order)."""
    if strong.all():
        return _evidence(engine, t, pairs)
    width = np.zeros(len(pairs), dtype=np.int64)
    if not strong.any():
        ids = labels = pa.array([], pa.string())
    else:
        s_ids, s_labels = _evidence(engine, t, pairs[strong].reset_index(drop=True))
        width[strong] = pc.list_value_length(s_ids).to_numpy(zero_copy_only=False)
        ids, labels = pc.list_flatten(s_ids), pc.list_flatten(s_labels)
    offsets = pa.array(np.concatenate([[0], np.cumsum(width)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, ids), pa.ListArray.from_arrays(offsets, labels)


def _evidence(engine: Engine, t: str, keep: pd.DataFrame) -> tuple[pa.Array, pa.Array]:
    """The posts behind each kept pair: its rarest shared items, a few posts per side.

    Returns two list arrays aligned with ``keep`` (sorted by ``lo, hi``): post ids
    (``platform/post_id``, sorted, distinct) and the label of each post's shared item."""
    engine.write(f"{t}_keep", pa.Table.from_pandas(keep, preserve_index=False))
    engine.materialize(
        f"{t}_sel",
        "SELECT lo, hi, iid FROM ("
        "  SELECT p.lo, p.hi, p.iid, "
        "         ROW_NUMBER() OVER (PARTITION BY p.lo, p.hi ORDER BY i.k, p.iid) AS r "
        f"  FROM {t}_pe p JOIN {t}_keep k ON p.lo = k.lo AND p.hi = k.hi "
        f"  JOIN {t}_items i ON p.iid = i.iid) pit WHERE r <= ?",
        [EVIDENCE_ITEMS],
    )
    engine.materialize(
        f"{t}_want",
        f"SELECT lo AS node, iid FROM {t}_sel UNION SELECT hi AS node, iid FROM {t}_sel",
    )
    engine.materialize(
        f"{t}_evr",
        "SELECT node, iid, post_id FROM ("
        "  SELECT e.node, e.iid, e.post_id, "
        "         ROW_NUMBER() OVER (PARTITION BY e.node, e.iid ORDER BY e.ts, e.post_id) AS r "
        f"  FROM {t}_ev e JOIN {t}_want w ON e.node = w.node AND e.iid = w.iid) x WHERE r <= ?",
        [EVIDENCE_POSTS_PER_ITEM],
    )
    engine.materialize(
        f"{t}_lab",
        f"SELECT r.iid, MIN(r.label) AS label FROM {t}_raw r "
        f"JOIN (SELECT DISTINCT iid FROM {t}_want) w ON r.iid = w.iid GROUP BY r.iid",
    )
    rows = engine.sql(
        "WITH side AS ("
        f"  SELECT s.lo, s.hi, e.node, e.iid, e.post_id FROM {t}_sel s "
        f"  JOIN {t}_evr e ON e.node = s.lo AND e.iid = s.iid "
        "  UNION ALL "
        f"  SELECT s.lo, s.hi, e.node, e.iid, e.post_id FROM {t}_sel s "
        f"  JOIN {t}_evr e ON e.node = s.hi AND e.iid = s.iid) "
        "SELECT d.lo, d.hi, n.platform || '/' || d.post_id AS eid, MIN(coalesce(l.label, '')) AS label "
        f"FROM side d JOIN {t}_nodes n ON n.node = d.node JOIN {t}_lab l ON l.iid = d.iid "
        "GROUP BY d.lo, d.hi, n.platform || '/' || d.post_id ORDER BY d.lo, d.hi, eid",
    )
    for suffix in ("sel", "want", "evr", "lab"):
        engine.drop(f"{t}_{suffix}")
    # Rows come sorted by pair, as ``keep`` is, and only for kept pairs: each pair's rows are
    # one contiguous run, in ``keep``'s order.
    width = np.int64(int(keep["hi"].max()) + 1) if len(keep) else np.int64(1)  # lo < hi
    row_key = rows.column("lo").to_numpy().astype(np.int64) * width + rows.column("hi").to_numpy().astype(np.int64)
    pair_key = keep["lo"].to_numpy().astype(np.int64) * width + keep["hi"].to_numpy().astype(np.int64)
    counts = np.searchsorted(row_key, pair_key, side="right") - np.searchsorted(row_key, pair_key, side="left")
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    ids = rows.column("eid").combine_chunks()
    labels = rows.column("label").combine_chunks()
    return pa.ListArray.from_arrays(offsets, ids), pa.ListArray.from_arrays(offsets, labels)


class _Blocks:
    """The null model's blocks: accounts grouped by platform where a trace's items belong to one
    platform (otherwise one block), with their event totals.

    Why: where items are keyed per platform (a reposted post), an account only takes up the items
    its platform offers, so the account-item graph falls apart into platform blocks. One
    configuration model over all events would spread each account's chances over pairs that can
    never co-occur and so understate, by about ``(M / M_p)**2``, how often the heavy users of a
    small platform meet on its popular items. The null is therefore a
    degree-corrected block model: within block ``p`` a pair expects ``n_a n_b P_w^pp / (M_p**2 / 2)``
    episodes, across blocks ``n_a n_b P_w^pq / (M_p M_q)``, where ``P_w^pq`` are the episodes
    observed between the two blocks (per popularity class) - so the expectations of all pairs of
    two blocks add up to what was observed between them.
    """

    def __init__(self, engine: Engine, t: str, n_active: int, *, by_platform: bool) -> None:
        block = "MIN(n.platform)" if by_platform else "''"
        act = engine.sql(
            f"SELECT e.node AS node, {block} AS platform, COUNT(*) AS n FROM {t}_ev e "
            f"JOIN {t}_nodes n ON n.node = e.node GROUP BY e.node"
        )
        self.by_platform = by_platform
        self.names = sorted(set(act.column("platform").to_pylist()))
        self._index = {name: b for b, name in enumerate(self.names)}
        nodes = act.column("node").to_numpy()
        self.n_of = np.zeros(n_active + 1, dtype=np.float64)
        self.n_of[nodes] = act.column("n").to_numpy()
        self.block_of = np.zeros(n_active + 1, dtype=np.int64)
        self.block_of[nodes] = self.code(act.column("platform").to_pylist())
        self.events = np.bincount(self.block_of[nodes], weights=self.n_of[nodes], minlength=len(self.names))
        self.n_pair_blocks = len(self.names) ** 2

    def code(self, platforms: list[str]) -> np.ndarray:
        if not self.by_platform:
            return np.zeros(len(platforms), dtype=np.int64)
        return np.array([self._index[p] for p in platforms], dtype=np.int64)

    def pair_block(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Index of the unordered block pair ``{a, b}``."""
        return np.minimum(a, b) * len(self.names) + np.maximum(a, b)

    def norm(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Event pairs the two blocks can form: ``M_p**2 / 2`` within, ``M_p M_q`` across."""
        prod = self.events[a] * self.events[b]
        return np.where(a == b, prod / 2.0, prod)


def _rank_events(engine: Engine, t: str, cap: int) -> None:
    """``{t}_ord``: the events of items taken up by 2 .. ``cap`` accounts, each with its item's
    event count ``c`` and its rank ``rn`` in the item's time order (``ts, node, post_id``).

    On an engine that spreads work over tasks by key (``engine.distributed``: Spark), one item's
    ranking would sort all its events in one task - an item few accounts post millions of times
    passes the cap and lands on one executor. There the rank is salted by time: events are ranked
    within (item, hour) and offset by the item's events in earlier hours (a running sum over one
    row per item and hour). Hours are ordered as ``ts`` is, so the rank is the same number the
    single window gives (``tests/engine/test_parity.py``); DuckDB keeps the single window, which
    it runs faster in one process.
    """
    where = f"FROM {t}_ev e JOIN {t}_items i ON e.iid = i.iid WHERE i.k >= 2 AND i.k <= ?"
    if not engine.distributed:
        engine.materialize(
            f"{t}_ord",
            "SELECT e.node, e.ts, e.iid, i.c, "
            f"ROW_NUMBER() OVER (PARTITION BY e.iid ORDER BY e.ts, e.node, e.post_id) AS rn {where}",
            [cap],
        )
        return
    engine.materialize(
        f"{t}_ord",
        f"WITH ev AS (SELECT e.node, e.ts, e.iid, e.post_id, i.c, FLOOR(e.ts / {RANK_SLOT_S!r}) AS slot {where}), "
        "s AS (SELECT iid, slot, COUNT(*) AS n FROM ev GROUP BY iid, slot), "
        "b AS (SELECT iid, slot, coalesce(SUM(n) OVER (PARTITION BY iid ORDER BY slot "
        "      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM s) "
        "SELECT e.node, e.ts, e.iid, e.c, "
        "       b.before + ROW_NUMBER() OVER (PARTITION BY e.iid, e.slot ORDER BY e.ts, e.node, e.post_id) AS rn "
        "FROM ev e JOIN b ON b.iid = e.iid AND b.slot = e.slot",
        [cap],
    )


def _item_cap(n: int, max_neighbors: int) -> int:
    """The most accounts an item may have been taken up by and still be paired: ``2 sqrt(N)``
    (``N`` the trace's accounts), at least four times ``max_neighbors``.

    Why a cap: beyond ``max_neighbors`` an item's pairs are a sample by time rank, and accounts
    that are habitually early (fans of a star reposting within seconds) would sit next to each
    other in every cascade - a regularity of fandom, not of coordination. Such items also weigh
    little (``ln(N/k)``: at ``k = 2 sqrt(N)`` about half of the rarest item's weight).
    Why ``sqrt(N)`` and not a share of ``N``: the cap then grows slower than the data, so the
    pairs of a large dataset's news stories (thousands of sharers within minutes, each paired with
    ``max_neighbors`` others) do not swamp the rest. A cap of 1% of ``N`` let 10M posts' news
    links in: 37M windowed pairs and 412k candidates for co_link, against 0.3M and 15k at 1M."""
    return int(max(4 * max_neighbors, 2.0 * math.sqrt(max(n, 0))))


def _coincidence(engine: Engine, ev: str, window_s: float, events: int) -> float:
    """Chance that two of this trace's events, placed at random along its own activity curve
    (hour by hour over the whole period, so daily rhythms and busy days count), fall within the
    window of each other: ``sum_b s_b**2 * 2 w / B`` for hourly (or window-wide) bins ``b``."""
    width = max(window_s, 3600.0)
    shares = engine.sql(f"SELECT COUNT(*) AS c FROM {ev} GROUP BY FLOOR(ts / ?)", [width]).column("c").to_numpy()
    concentration = float(np.sum((shares / max(events, 1)) ** 2))
    return min(1.0, concentration * 2.0 * max(window_s, 1.0) / width)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _empty(window_s: float, tested: int) -> pa.Table:
    return _with_meta(EDGE_SCHEMA.empty_table(), window_s, tested)


def _with_meta(table: pa.Table, window_s: float, tested: int) -> pa.Table:
    return table.replace_schema_metadata({META_TESTED: str(int(tested)), META_WINDOW: repr(float(window_s))})


def _cleanup(engine: Engine, t: str) -> None:
    for suffix in ("raw", "nodes", "ev", "items", "ord", "off", "pi", "pe", "tot", "cpe", "nc", "keep"):
        engine.drop(f"{t}_{suffix}")
