"""Time-free similarity: accounts whose *whole* vocabulary of items overlaps far more than chance.

The windowed traces (:mod:`.cooccur`) ask "did these accounts take up the same item within
minutes?". Real operations often do not: local-news personas tag different headlines with one
private set of category hashtags over days, hashtag-game accounts play the same games hours apart.
Following Pacheco et al. (ICWSM 2021, "Uncovering Coordinated Networks on Social Media"), this
module compares accounts by *what* they use over the whole period (or over slices of ``period``
days), with no time window at all:

1. **Account x item table.** Rows ``(platform, account_id, post_id, time, item[, label])`` become
   a sparse account x item matrix. Items used by more than ``2 sqrt(N)`` of the ``N`` accounts
   (``max_accounts`` when given) are left out: a news site or a star everyone reposts carries no
   information about who works with whom, and would make the product below quadratic.
2. **Nearest neighbours.** TF-IDF vectors (``(1 + ln n) ln(N / k)``, rows L2-normalised) and each
   account's ``top_k`` most similar accounts by cosine, from sparse products of row chunks with a
   per-row top-k (memory O(chunk + N top_k); never a dense N x N).
3. **Null model.** For each neighbour pair sharing at least ``min_items`` distinct items: the
   configuration model of the bipartite account-item graph, which keeps each account's number of
   distinct items ``d`` and each item's number of accounts ``k`` (the analytic form of
   degree-preserving "curveball" shuffles). Two accounts then share item ``i`` with probability
   about ``d_a k_i / E * d_b (k_i - 1) / E`` (``E`` = all account-item links), so the expected
   number of shared items is ``lambda = d_a d_b sum_i k_i (k_i - 1) / E**2``; the pair's own
   count is compared with a Poisson tail. As in :mod:`.significance`, the test runs on nested
   popularity classes (items used by at most 2, 4, 8... accounts) and keeps the smallest p-value,
   Bonferroni-corrected for the classes, so a pair sharing many *rare* items is judged against
   the chance of sharing rare ones. Where items belong to one platform (``platform_blocks``) the
   model is taken per platform.
4. **Output.** :data:`~lockstep.traces.base.EDGE_SCHEMA` edges with ``count`` = distinct shared
   items, ``weight`` = their summed rarity ``ln(N / k)``, ``expected`` = ``lambda``, and as
   evidence the rarest shared items with one example post per account and item. The metadata's
   :data:`~lockstep.traces.base.META_TESTED` is every pair of active accounts (per platform and
   slice), so Benjamini-Hochberg in :mod:`.run` controls the FDR over all traces together.

Known failure mode: a genuine community (fans of one team using its three tags for weeks) is
*not* what the configuration model expects either; the item cap, ``min_items`` and the BH bound
over all ``N**2 / 2`` pairs are what keep such groups out - see ``docs/detection.md``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy import sparse

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.traces.base import EDGE_SCHEMA, META_TESTED, META_WINDOW
from lockstep.traces.significance import pair_p_values, popularity_class, weak_p_bound

log = logging.getLogger(__name__)

#: The most shared items (rarest first) kept as an edge's evidence, with one post per account each.
EVIDENCE_ITEMS = 12
#: Nonzeros of one chunk's similarity product before the chunk is cut (bounds memory).
CHUNK_NNZ = 4_000_000


def similar_accounts(
    engine: Engine,
    items_sql: str,
    *,
    trace: str,
    top_k: int = 20,
    min_items: int = 3,
    max_accounts: int = 0,
    period_days: float = 0.0,
    platform_blocks: bool = False,
    p_max: float = 1.0,
) -> pa.Table:
    """Candidate edges (:data:`~lockstep.traces.base.EDGE_SCHEMA`) of accounts that use the same
    items over the whole period, tested against the configuration model.

    ``items_sql``: a query or table name whose rows are ``(platform, account_id, post_id, time,
    item)`` and optionally ``label`` (how to show the item; defaults to the item). ``time`` is a
    TIMESTAMP; one row per (post, item): a post with three hashtags is three rows.

    Parameters: ``trace`` names the temporary tables; ``top_k`` neighbours per account are
    tested; a pair must share ``min_items`` distinct items; items used by more than
    ``max_accounts`` accounts are left out (0: ``2 sqrt(N)``, at least 20); ``period_days`` > 0
    cuts the data into consecutive slices of that many days, each judged on its own (a pair keeps
    its smallest p-value; every slice's pairs count as tested); ``platform_blocks`` when an item
    belongs to one platform (a reposted post, a mentioned handle); ``p_max`` drops pairs whose
    p-value cannot pass the FDR control anyway (``run_traces`` passes the FDR).

    Returns one row per pair (``a < b``), with ``count`` = distinct shared items, ``weight`` =
    their summed ``ln(N / k)``, ``expected`` = the null model's mean count, ``p_value``,
    ``evidence_ids``/``evidence_items`` (one post per account for each of the rarest shared
    items), ``window_s`` = the slice length in seconds (the data's span when not sliced), and
    :data:`~lockstep.traces.base.META_TESTED` in the schema metadata.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 10_000:
        raise DetectorError(f"{trace}: top_k must be an int in [1, 10000]. Got {top_k!r} instead.")
    if isinstance(min_items, bool) or not isinstance(min_items, int) or not 1 <= min_items <= 1_000_000:
        raise DetectorError(f"{trace}: min_items must be an int in [1, 1000000]. Got {min_items!r} instead.")
    if isinstance(max_accounts, bool) or not isinstance(max_accounts, int) or max_accounts < 0:
        raise DetectorError(f"{trace}: max_accounts must be an int >= 0 (0: 2 sqrt(N)). Got {max_accounts!r}.")
    if isinstance(period_days, bool) or not isinstance(period_days, (int, float)) or not 0 <= period_days <= 3650:
        raise DetectorError(f"{trace}: period_days must be a number in [0, 3650] (0: the whole dataset). "
                            f"Got {period_days!r} instead.")
    t = f"_ls_sim_{trace}"
    cols = engine.sql(f"SELECT * FROM ({_relation(items_sql)}) q LIMIT 0").column_names
    missing = [c for c in ("platform", "account_id", "post_id", "time", "item") if c not in cols]
    if missing:
        raise DetectorError(f"{trace}: the items query lacks column(s) {', '.join(missing)}; it must give "
                            "platform, account_id, post_id, time, item (and optionally label).")
    label = "label" if "label" in cols else "item"
    period_s = float(period_days) * 86400.0
    slice_expr = f"FLOOR({engine.epoch('time')} / {period_s!r})" if period_s > 0 else "0"
    try:
        engine.materialize(
            f"{t}_raw",
            f"SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"CAST({slice_expr} AS BIGINT) AS sl, {engine.hash64('item')} AS iid, {label} AS label "
            f"FROM ({_relation(items_sql)}) q WHERE item IS NOT NULL AND item <> '' AND time IS NOT NULL",
        )
        engine.materialize(
            f"{t}_nodes",
            "SELECT platform, account_id, ROW_NUMBER() OVER (ORDER BY platform, account_id) AS node "
            f"FROM (SELECT DISTINCT platform, account_id FROM {t}_raw) a",
        )
        ai = engine.sql(
            f"SELECT r.sl AS sl, n.node AS node, r.iid AS iid, COUNT(DISTINCT r.post_id) AS n "
            f"FROM {t}_raw r JOIN {t}_nodes n ON n.platform = r.platform AND n.account_id = r.account_id "
            "GROUP BY r.sl, n.node, r.iid"
        )
        nodes = engine.sql(f"SELECT node, platform, account_id FROM {t}_nodes ORDER BY node")
        span = engine.sql(f"SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM {t}_raw").to_pylist()[0]
        window_s = period_s if period_s > 0 else max(float((span["hi"] or 0) - (span["lo"] or 0)), 1.0)
        plat = np.asarray(nodes.column("platform").to_pylist(), dtype=object)
        blocks = _platform_codes(plat) if platform_blocks else np.zeros(len(plat), dtype=np.int64)
        sl = ai.column("sl").to_numpy()
        node = ai.column("node").to_numpy().astype(np.int64) - 1  # ROW_NUMBER starts at 1
        iid = ai.column("iid").to_numpy()
        uses = ai.column("n").to_numpy().astype(np.float64)
        found: list[_SliceResult] = []
        slice_of: list[np.ndarray] = []
        tested = 0
        for s in np.unique(sl):
            m = sl == s
            for b in np.unique(blocks[node[m]]):
                mb = m & (blocks[node] == b)
                res = _one_slice(node[mb], iid[mb], uses[mb], top_k=top_k, min_items=min_items,
                                 max_accounts=max_accounts)
                tested += res.tested
                if len(res.lo):
                    found.append(res)
                    slice_of.append(np.full(len(res.lo), s, dtype=np.int64))
        empty = _with_meta(EDGE_SCHEMA.empty_table(), window_s, tested)
        if not found:
            return empty
        lo, hi, count, weight, expected, p = (
            np.concatenate([getattr(f, name) for f in found])
            for name in ("lo", "hi", "count", "weight", "expected", "p"))
        pslice = np.concatenate(slice_of)
        offsets = np.cumsum([0] + [len(f.lo) for f in found])
        sh_pair = np.concatenate([f.pair_of + o for f, o in zip(found, offsets, strict=False)])
        sh_item = np.concatenate([f.item for f in found])
        sh_k = np.concatenate([f.item_k for f in found])
        # A pair found in several slices keeps its best slice (the others are unlisted, larger p).
        order = np.lexsort((p, hi, lo))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])
        sel = order[first]
        # Pairs beyond p_max but below the weak bound come back without evidence: they cannot
        # become edges, but they grade accounts below the threshold (networks.account_score).
        sel = sel[p[sel] <= max(p_max, weak_p_bound(len(plat)))]
        log.info("%s: %d pairs tested, %d candidates, %d kept", trace, tested, len(order), len(sel))
        if not len(sel):
            return empty
        pos, items = _rarest(sel, sh_pair, sh_item, sh_k, len(lo))
        strong = p[sel][pos] <= p_max
        ev_ids, ev_items = _evidence(engine, t, lo[sel], hi[sel], pslice[sel], pos[strong], items[strong])
        acc = np.asarray(nodes.column("account_id").to_pylist(), dtype=object)
        out = pa.table({
            "platform_a": pa.array(plat[lo[sel]].tolist(), pa.string()),
            "account_a": pa.array(acc[lo[sel]].tolist(), pa.string()),
            "platform_b": pa.array(plat[hi[sel]].tolist(), pa.string()),
            "account_b": pa.array(acc[hi[sel]].tolist(), pa.string()),
            "weight": weight[sel], "count": count[sel].astype(np.int64), "expected": expected[sel],
            "p_value": p[sel], "evidence_ids": ev_ids, "evidence_items": ev_items,
            "window_s": np.full(len(sel), window_s),
        }, schema=EDGE_SCHEMA)
        out = out.sort_by([("platform_a", "ascending"), ("account_a", "ascending"),
                           ("platform_b", "ascending"), ("account_b", "ascending")])
        return _with_meta(out, window_s, tested)
    finally:
        for suffix in ("raw", "nodes", "want"):
            engine.drop(f"{t}_{suffix}")


@dataclass
class _SliceResult:
    tested: int
    lo: np.ndarray
    hi: np.ndarray
    count: np.ndarray
    weight: np.ndarray
    expected: np.ndarray
    p: np.ndarray
    #: the shared items: (pair index, item hash, item's number of accounts) per row
    pair_of: np.ndarray
    item: np.ndarray
    item_k: np.ndarray


def _one_slice(node: np.ndarray, iid: np.ndarray, uses: np.ndarray, *, top_k: int, min_items: int,
               max_accounts: int) -> _SliceResult:
    """Top-k cosine neighbours and their p-values within one slice (and platform block)."""
    acc_ids, row = np.unique(node, return_inverse=True)
    n_acc = len(acc_ids)
    tested = n_acc * (n_acc - 1) // 2
    none = _SliceResult(tested, *(np.zeros(0, np.int64),) * 3, *(np.zeros(0),) * 3,
                        *(np.zeros(0, np.int64),) * 3)
    if n_acc < 2:
        return none
    item_ids, col = np.unique(iid, return_inverse=True)
    k = np.bincount(col, minlength=len(item_ids))
    cap = max_accounts or max(20, int(2.0 * math.sqrt(n_acc)))
    keep = k[col] <= cap
    row, col, uses = row[keep], col[keep], uses[keep]
    # Degrees and link total of the graph the null model shuffles (items within the cap).
    deg = np.bincount(row, minlength=n_acc).astype(np.float64)
    links = float(deg.sum())
    shared = k[col] >= 2
    if not shared.any():
        return none
    idf = np.log(n_acc / k)
    # Strictly positive weights (an item every account uses has idf 0), so that the similarity
    # and the count products below have the same sparsity pattern.
    tf_idf = (1.0 + np.log(np.maximum(uses, 1.0))) * np.maximum(idf[col], 1e-9)
    x = sparse.csr_matrix((tf_idf, (row, col)),
                          shape=(n_acc, len(item_ids)))
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norm[norm == 0] = 1.0
    # Only items two or more accounts use can make two accounts similar; the rest only count in
    # the norms (an account's own idiosyncratic items make it less similar to anyone).
    xs = sparse.csr_matrix((tf_idf[shared] / norm[row[shared]], (row[shared], col[shared])), shape=x.shape)
    bs = sparse.csr_matrix((np.ones(int(shared.sum())), (row[shared], col[shared])), shape=x.shape)
    xt = xs.T.tocsr()
    bt = bs.T.tocsr()
    # Per-row cost of the product is sum of the k of its items: cut chunks to bound the nonzeros.
    cost = np.asarray(bs @ k.astype(np.float64)).ravel()
    bounds = _chunks(cost, CHUNK_NNZ)
    los, his = [], []
    for start, stop in bounds:
        # Both products have the same sparsity pattern (all values positive), and the product
        # lays out each row's columns by pattern alone, so they align as computed; sorting them
        # (a second of CPU at 1M posts) is only the fallback.
        sim = (xs[start:stop] @ xt).tocsr()
        cnt = (bs[start:stop] @ bt).tocsr()
        if not (np.array_equal(sim.indptr, cnt.indptr) and np.array_equal(sim.indices, cnt.indices)):
            sim.sort_indices()
            cnt.sort_indices()
        if sim.nnz != cnt.nnz:  # cannot happen with positive weights; fail loudly, not silently
            raise RuntimeError(f"similarity and count products differ in shape ({sim.nnz} vs {cnt.nnz})")
        r = np.repeat(np.arange(start, stop), np.diff(sim.indptr))
        c, v = sim.indices, sim.data
        ok = (r != c) & (cnt.data >= min_items)
        r, c, v = r[ok], c[ok], v[ok]
        order = np.lexsort((c, -v, r))  # per row, most similar first (ties: smaller column)
        r, c = r[order], c[order]
        rank = np.arange(len(r)) - np.searchsorted(r, r, side="left")
        top = rank < top_k
        los.append(np.minimum(r[top], c[top]))
        his.append(np.maximum(r[top], c[top]))
    key = np.unique(np.concatenate(los).astype(np.int64) * n_acc + np.concatenate(his))
    if not len(key):
        return none
    lo, hi = key // n_acc, key % n_acc
    pair_of, flat = _shared_items(bs, lo, hi)
    n_shared = np.bincount(pair_of, minlength=len(lo))
    cls_item = popularity_class(k)
    n_classes = int(cls_item[k <= cap].max()) + 1
    counts = np.zeros((len(lo), n_classes), dtype=np.int64)
    np.add.at(counts, (pair_of, cls_item[flat]), 1)
    # The null model's co-use totals per popularity class: sum over items of C(k, 2).
    in_graph = (k >= 2) & (k <= cap)
    pw = np.zeros(n_classes)
    np.add.at(pw, cls_item[in_graph], k[in_graph] * (k[in_graph] - 1) / 2.0)
    p, expected = pair_p_values(deg[lo], deg[hi], counts, pw, int(links))
    weight = np.bincount(pair_of, weights=idf[flat], minlength=len(lo))
    return _SliceResult(tested, acc_ids[lo], acc_ids[hi], n_shared, weight, expected, p,
                        pair_of, item_ids[flat], k[flat])


def _shared_items(b: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pair, item)`` of every item both accounts of each pair use (``b``: account x item,
    sorted indices). Walks the smaller account's items and looks each up in the other's."""
    deg = np.diff(b.indptr)
    swap = deg[lo] > deg[hi]
    small = np.where(swap, hi, lo)
    big = np.where(swap, lo, hi)
    n_items = np.int64(b.shape[1])
    pair = np.repeat(np.arange(len(lo)), deg[small])
    starts = np.repeat(b.indptr[small], deg[small])
    pos = np.arange(len(pair)) - np.repeat(np.cumsum(deg[small]) - deg[small], deg[small])
    item = b.indices[starts + pos].astype(np.int64)
    row_of = np.repeat(np.arange(b.shape[0]), deg)
    have = row_of.astype(np.int64) * n_items + b.indices  # sorted: rows, then sorted columns
    want = big[pair].astype(np.int64) * n_items + item
    at = np.minimum(np.searchsorted(have, want), len(have) - 1)
    hit = have[at] == want
    return pair[hit], item[hit]


def _chunks(cost: np.ndarray, budget: float) -> list[tuple[int, int]]:
    """Consecutive row ranges whose summed ``cost`` stays under ``budget`` (at least one row)."""
    out, start, acc = [], 0, 0.0
    for i, c in enumerate(cost.tolist()):
        if acc + c > budget and i > start:
            out.append((start, i))
            start, acc = i, 0.0
        acc += c
    out.append((start, len(cost)))
    return out


def _rarest(sel: np.ndarray, pair: np.ndarray, item: np.ndarray, k: np.ndarray,
            n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``EVIDENCE_ITEMS`` rarest shared items of each selected pair: ``(position in sel, item)``."""
    pos = np.full(n_pairs, -1, dtype=np.int64)
    pos[sel] = np.arange(len(sel))
    m = pos[pair] >= 0
    p, it, kk = pos[pair[m]], item[m], k[m]
    order = np.lexsort((it, kk, p))
    p, it = p[order], it[order]
    rank = np.arange(len(p)) - np.searchsorted(p, p, side="left")
    keep = rank < EVIDENCE_ITEMS
    return p[keep], it[keep]


def _evidence(engine: Engine, t: str, lo: np.ndarray, hi: np.ndarray, sl: np.ndarray,
              pair: np.ndarray, item: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """For each kept pair, the first post of each account on each of its rarest shared items."""
    want = pa.table({
        "pair": pa.array(np.concatenate([pair, pair]), pa.int64()),
        "node": pa.array(np.concatenate([lo[pair], hi[pair]]) + 1, pa.int64()),
        "sl": pa.array(np.concatenate([sl[pair], sl[pair]]), pa.int64()),
        "iid": pa.array(np.concatenate([item, item])),  # the engine's hash type (DuckDB: unsigned)
    })
    engine.write(f"{t}_want", want)
    rows = engine.sql(
        "SELECT pair, eid, label FROM ("
        "  SELECT w.pair AS pair, r.platform || '/' || r.post_id AS eid, r.label AS label, "
        "         ROW_NUMBER() OVER (PARTITION BY w.pair, w.node, w.iid ORDER BY r.ts, r.post_id) AS rk "
        f"  FROM {t}_want w JOIN {t}_nodes n ON n.node = w.node "
        f"  JOIN {t}_raw r ON r.platform = n.platform AND r.account_id = n.account_id "
        "   AND r.iid = w.iid AND r.sl = w.sl) x "
        "WHERE rk = 1 ORDER BY pair, eid"
    )
    # One label per post and pair: several shared items in one post keep the smallest label.
    got = rows.to_pandas().groupby(["pair", "eid"], sort=True, as_index=False)["label"].min()
    counts = np.bincount(got["pair"].to_numpy(dtype=np.int64), minlength=len(lo))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    ids = pa.array(got["eid"].tolist(), pa.string())
    labels = pa.array([str(x) for x in got["label"].tolist()], pa.string())
    return pa.ListArray.from_arrays(offsets, ids), pa.ListArray.from_arrays(offsets, labels)


def _platform_codes(plat: np.ndarray) -> np.ndarray:
    names = {p: i for i, p in enumerate(sorted(set(plat.tolist())))}
    return np.array([names[p] for p in plat.tolist()], dtype=np.int64)


def _relation(items_sql: str) -> str:
    """A table name or a query, as a parenthesised subquery."""
    s = items_sql.strip()
    return s if s.lower().startswith(("select", "with")) else f"SELECT * FROM {s}"


def _with_meta(table: pa.Table, window_s: float, tested: int) -> pa.Table:
    return table.replace_schema_metadata({META_TESTED: str(int(tested)), META_WINDOW: repr(float(window_s))})
