"""Run a set of traces and control the false discovery rate over all of them together.

Each trace reports its candidate pairs with p-values and how many pairs it could have tested
(every pair of accounts active in that trace). Benjamini-Hochberg then runs once over the pooled
p-values with the pooled number of tests, so adding traces cannot inflate the share of false edges.
A pair can only reach ``q <= fdr`` if its own ``p <= fdr``; detectors use that to skip collecting
evidence for hopeless pairs - except the traces that pool their evidence (``pool_evidence``):
they report every candidate pair, because pairs weak in each of several traces get one more test
on their summed counts (:mod:`.combine`), the ``combined`` layer, which joins the same BH run.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.traces.account_evidence import account_evidence, active_accounts, pair_excess
from lockstep.traces.base import META_TESTED, META_WINDOW
from lockstep.traces.combine import COMBINED, pooled_edges
from lockstep.traces.significance import benjamini_hochberg

log = logging.getLogger(__name__)


@dataclass
class TraceReport:
    """What one trace did: its window, how many pairs it tested and kept, how long it took."""

    trace: str
    window_s: float
    tested_pairs: int
    candidates: int
    significant: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    #: the process's peak resident memory so far (MiB), read right after the trace ran
    peak_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_traces(
    engine: Engine,
    posts: str,
    detectors: Sequence[Any],
    *,
    fdr: float = 0.01,
    on_trace: Callable[[str], None] | None = None,
) -> tuple[pa.Table, list[TraceReport], pd.DataFrame]:
    """Significant edges of all ``detectors`` (with ``trace``, ``q_value``, ``window_s`` columns),
    what each trace did, and every account's evidence below and above the threshold
    (:mod:`.account_evidence`)."""
    if not 0 < fdr < 1:
        raise DetectorError(f"The false discovery rate must be in (0, 1), e.g. 0.01. Got {fdr!r} instead.")
    tables: list[pa.Table] = []
    reports: list[TraceReport] = []
    pool: dict[str, pa.Table] = {}
    pool_tested = 0
    layers: list[tuple[str, pa.Table, int]] = []  # every row a trace returned, for account evidence
    for det in detectors:
        if on_trace:
            on_trace(det.name)
        started = time.perf_counter()
        cpu = time.process_time()
        pooled = bool(getattr(det, "pool_evidence", False))
        # A pooling trace reports every candidate pair: weak alone, it may count in the pooled test.
        result = det.detect(engine, posts, p_max=1.0 if pooled else fdr)
        meta = result.schema.metadata or {}
        tested = int(meta.get(META_TESTED, b"0"))
        window_s = float(meta.get(META_WINDOW, b"0"))
        layers.append((det.name, result, active_accounts(tested)))
        if pooled:
            pool[det.name] = result
            pool_tested += tested
            result = result.filter(pc.less_equal(result.column("p_value"), fdr))
        n = result.num_rows
        result = result.append_column("trace", pa.array([det.name] * n, pa.string()))
        if "window_s" not in result.column_names:
            result = result.append_column("window_s", pa.array([window_s] * n, pa.float64()))
        tables.append(result.replace_schema_metadata(None))
        reports.append(TraceReport(det.name, window_s, tested, n, seconds=time.perf_counter() - started,
                                   cpu_seconds=time.process_time() - cpu, peak_rss_mb=_peak_rss_mb()))
        log.info("trace %s: %d candidate pairs in %.1f s", det.name, n, reports[-1].seconds)
    combined = pooled_edges(pool) if len(pool) >= 2 else None
    if combined is not None:
        n = combined.num_rows
        tables.append(combined.append_column("trace", pa.array([COMBINED] * n, pa.string())))
        reports.append(TraceReport(COMBINED, float(pc.max(combined.column("window_s")).as_py()), pool_tested, n))
        layers.append((COMBINED, combined, max((n for t, _, n in layers if t in pool), default=0)))
    edges = pa.concat_tables(tables) if tables else pa.table({})
    tested_all = sum(r.tested_pairs for r in reports)
    q = benjamini_hochberg(edges.column("p_value").to_numpy(), tested_all) if edges.num_rows else np.zeros(0)
    edges = edges.append_column("q_value", pa.array(q, pa.float64())) if edges.num_rows or tables else edges
    if edges.num_rows:
        edges = _drop_redundant_combined(edges.filter(pa.array(q <= fdr)))
    for r in reports:
        r.significant = int(np.sum(np.asarray(edges.column("trace").to_pylist()) == r.trace)) if edges.num_rows else 0
    return edges, reports, account_evidence(pair_excess(layers))


def _drop_redundant_combined(edges: pa.Table) -> pa.Table:
    """Keep a pooled edge only for pairs no single trace found: elsewhere it would count the same
    evidence twice in the clustering graph."""
    trace = np.asarray(edges.column("trace").to_pylist(), dtype=object)
    is_comb = trace == COMBINED
    if not is_comb.any():
        return edges
    key = [f"{a}\x1f{b}\x1f{c}\x1f{d}" for a, b, c, d in zip(
        *(edges.column(k).to_pylist() for k in ("platform_a", "account_a", "platform_b", "account_b")),
        strict=True)]
    single = {k for k, c in zip(key, is_comb, strict=True) if not c}
    keep = [not c or k not in single for k, c in zip(key, is_comb, strict=True)]
    return edges.filter(pa.array(keep))


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
