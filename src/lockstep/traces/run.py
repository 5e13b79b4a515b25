"""Run a set of traces and control the false discovery rate over all of them together.

Each trace reports its candidate pairs with p-values and how many pairs it could have tested
(every pair of accounts active in that trace). Benjamini-Hochberg then runs once over the pooled
p-values with the pooled number of tests, so adding traces cannot inflate the share of false edges.
A pair can only reach ``q <= fdr`` if its own ``p <= fdr``; detectors use that to skip collecting
evidence for hopeless pairs.
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
import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.traces.base import META_TESTED, META_WINDOW
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
) -> tuple[pa.Table, list[TraceReport]]:
    """Significant edges of all ``detectors`` (with ``trace``, ``q_value``, ``window_s`` columns)."""
    if not 0 < fdr < 1:
        raise DetectorError(f"The false discovery rate must be in (0, 1), e.g. 0.01. Got {fdr!r} instead.")
    tables: list[pa.Table] = []
    reports: list[TraceReport] = []
    for det in detectors:
        if on_trace:
            on_trace(det.name)
        started = time.perf_counter()
        cpu = time.process_time()
        result = det.detect(engine, posts, p_max=fdr)
        meta = result.schema.metadata or {}
        tested = int(meta.get(META_TESTED, b"0"))
        window_s = float(meta.get(META_WINDOW, b"0"))
        n = result.num_rows
        result = result.append_column("trace", pa.array([det.name] * n, pa.string()))
        if "window_s" not in result.column_names:
            result = result.append_column("window_s", pa.array([window_s] * n, pa.float64()))
        tables.append(result.replace_schema_metadata(None))
        reports.append(TraceReport(det.name, window_s, tested, n, seconds=time.perf_counter() - started,
                                   cpu_seconds=time.process_time() - cpu, peak_rss_mb=_peak_rss_mb()))
        log.info("trace %s: %d candidate pairs in %.1f s", det.name, n, reports[-1].seconds)
    edges = pa.concat_tables(tables) if tables else pa.table({})
    tested_all = sum(r.tested_pairs for r in reports)
    q = benjamini_hochberg(edges.column("p_value").to_numpy(), tested_all) if edges.num_rows else np.zeros(0)
    edges = edges.append_column("q_value", pa.array(q, pa.float64())) if edges.num_rows or tables else edges
    if edges.num_rows:
        edges = edges.filter(pa.array(q <= fdr))
    for r in reports:
        r.significant = int(np.sum(np.asarray(edges.column("trace").to_pylist()) == r.trace)) if edges.num_rows else 0
    return edges, reports


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
