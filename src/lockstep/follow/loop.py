"""``lockstep follow``'s loop: ingest what the sources deliver, re-detect on a schedule, raise and deliver alerts.

Each round polls the sources; each batch is one ingest transaction that also stores the source's new
position (``follow_state``). Every ``every_s`` (on the wall clock, or with ``clock="data"`` on the clock
of the posts themselves, for replays in accelerated time) detection re-runs over the last ``window_s``
of posts. This is *windowed* re-detection, not incremental: the traces re-pair every post in the window
(``bench/follow.py`` measures what that costs against a full re-run). Durable ids
(``networks.lineage``) turn each run into lineage events, the rules (``follow.rules``) into alerts.

The store is opened for each round and closed after, so other commands (``lockstep networks``) can read
it in between (a round that finds it held by a reader waits for it: :func:`open_store`). A stop request (SIGTERM, SIGINT: :attr:`Follower.stop`) is honoured between batches:
the batch in hand is stored first, then the loop returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lockstep.errors import SourceError
from lockstep.follow.deliver import deliver_pending
from lockstep.follow.rules import Rules, raise_alerts
from lockstep.follow.sources import Batch
from lockstep.ingest.pipeline import ingest_file
from lockstep.networks.detect import DetectOptions, run_detection
from lockstep.store import Store, open_waiting

log = logging.getLogger(__name__)


@dataclass
class FollowOptions:
    dataset: str = "default"
    every_s: float = 300.0
    window_s: float = 72 * 3600.0
    #: "wall": re-detect every ``every_s`` seconds of real time; "data": every ``every_s`` of post time
    clock: str = "wall"
    detect: DetectOptions = field(default_factory=lambda: DetectOptions(signals=False))
    rules: Rules = field(default_factory=Rules)
    #: stop when every source is exhausted (stdin at its end), after a last detection
    exit_when_exhausted: bool = True
    #: stop when no source delivered anything for this long (a backfill that has caught up); None: never
    exit_idle_s: float | None = None


def item_min_items(n: int | None) -> dict[str, int]:
    """``--min-items N`` for the shared-item traces (``co_*``: the same link, text, image... within
    minutes), not for ``sync`` (time slots) or the time-free similarity traces (``sim_*``), whose
    minimum counts something else."""
    if n is None:
        return {}
    from lockstep.networks.detect import DEFAULT_TRACES

    return {t: n for t in DEFAULT_TRACES if t.startswith("co_")}


def save_position(dataset: str, batch: Batch) -> Callable[[Any], None]:
    def hook(con: Any) -> None:
        con.execute("INSERT INTO follow_state (dataset, source, position, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (dataset, source) DO UPDATE SET position = excluded.position, "
                    "updated_at = excluded.updated_at",
                    [dataset, batch.source, batch.position, datetime.now(UTC).replace(tzinfo=None)])
    return hook


def open_store(db: Path, *, patience_s: float = 60.0) -> Store:
    """The store for one round. Another process reading it (``lockstep networks``, ``lockstep ui``)
    holds DuckDB's file lock for a moment: wait for it, up to ``patience_s``, instead of failing."""
    return open_waiting(db, wait_s=patience_s)


def positions(db: Path, dataset: str) -> dict[str, str]:
    """Where each source stopped, from an earlier run (empty for a new store)."""
    with open_store(db) as store:
        return dict(store.rows("SELECT source, position FROM follow_state WHERE dataset = ?", [dataset]))


class Follower:
    def __init__(self, db: Path, sources: list[Any], sinks: list[Any], opts: FollowOptions,
                 report: Callable[[str], None] | None = None) -> None:
        self.db, self.sources, self.sinks, self.opts = db, sources, sinks, opts
        self.report = report or (lambda msg: log.info("%s", msg))
        self.stop = threading.Event()
        self.figures: dict[str, Any] = {"batches": 0, "posts_stored": 0, "duplicates": 0, "detections": 0,
                                        "alerts": 0, "detect_seconds": []}
        self._last_wall: float | None = None
        self._last_data: datetime | None = None
        self._new_posts = 0

    def run(self) -> dict[str, Any]:
        with open_store(self.db) as store:  # alerts a crash left undelivered go out first
            deliver_pending(store, self.opts.dataset, self.sinks)
            self._last_data = store.scalar("SELECT max(data_time) FROM network_history WHERE dataset = ?",
                                           [self.opts.dataset])
            # Posts stored after the last detection (a stop or crash came first) are detected on soon.
            self._new_posts = int(store.scalar(
                "SELECT count(*) FROM posts WHERE dataset = ? AND time > coalesce(?, TIMESTAMP '1970-01-01')",
                [self.opts.dataset, self._last_data]))
        self._last_wall = last_input = time.monotonic()
        try:
            while not self.stop.is_set():
                got = self._round()
                if got:
                    last_input = time.monotonic()
                exhausted = all(getattr(s, "exhausted", False) for s in self.sources)
                idle = (self.opts.exit_idle_s is not None
                        and time.monotonic() - last_input >= self.opts.exit_idle_s)
                if self._due() or ((exhausted or idle) and self._new_posts):
                    self._detect()
                if exhausted and self.opts.exit_when_exhausted:
                    break
                if idle:
                    self.figures["stopped"] = "idle"
                    break
                if not got:
                    self.stop.wait(0.05)
            # On a stop signal no detection is started: it could outlast the service manager's patience;
            # the next start detects on what was stored since (see run()'s first lines).
        finally:
            for s in self.sources:
                s.close()
        self.figures.setdefault("stopped", "signal" if self.stop.is_set() else "sources exhausted")
        return self.figures

    def _round(self) -> int:
        batches = [b for s in self.sources for b in s.poll(0.5)]
        if not batches:
            return 0
        with open_store(self.db) as store:
            for b in batches:
                try:
                    summary = ingest_file(store, b.path, fmt=b.fmt, dataset=self.opts.dataset,
                                          on_commit=save_position(self.opts.dataset, b))
                except SourceError as exc:
                    # Nothing readable in this batch: record the position so it is not read again.
                    self.report(f"batch from {b.source} not ingested: {exc}")
                    with store.transaction() as con:
                        save_position(self.opts.dataset, b)(con)
                    b.done()
                    continue
                b.done()
                self.figures["batches"] += 1
                self.figures["posts_stored"] += summary.posts_stored
                self.figures["duplicates"] += summary.duplicates
                self._new_posts += summary.posts_stored
        return len(batches)

    def _due(self) -> bool:
        if not self._new_posts:
            return False
        if self.opts.clock == "wall":
            return time.monotonic() - (self._last_wall or 0.0) >= self.opts.every_s
        with open_store(self.db) as store:
            first, now = store.rows("SELECT min(time), max(time) FROM posts WHERE dataset = ?", [self.opts.dataset])[0]
        if now is None:
            return False
        if self._last_data is None:  # the first detection comes one period after the first post
            self._last_data = first
        return (now - self._last_data).total_seconds() >= self.opts.every_s

    def _detect(self) -> None:
        t0 = time.perf_counter()
        with open_store(self.db) as store:
            ds = self.opts.dataset
            data_now = store.scalar("SELECT max(time) FROM posts WHERE dataset = ?", [ds])
            since = data_now - timedelta(seconds=self.opts.window_s)
            self.opts.detect.since = since.isoformat(sep=" ")
            summary = run_detection(store, ds, self.opts.detect)
            if self.opts.rules.indicator and store.has_table("indicators") and store.scalar(
                    "SELECT count(*) FROM indicators"):
                from lockstep.share.match import match

                match(store, ds)
            new = raise_alerts(store, ds, self.opts.rules, now=datetime.now(UTC).replace(tzinfo=None),
                               data_time=data_now)
            delivered, left = deliver_pending(store, ds, self.sinks)
        took = time.perf_counter() - t0
        self.figures["detections"] += 1
        self.figures["alerts"] += len(new)
        self.figures["detect_seconds"].append(round(took, 2))
        self._last_wall, self._last_data, self._new_posts = time.monotonic(), data_now, 0
        self.report(f"detected over {since:%Y-%m-%d %H:%M} .. {data_now:%Y-%m-%d %H:%M}: {summary['networks']} "
                    f"networks, {len(new)} new alerts ({delivered} delivered, {left} left for later) in {took:.1f} s")
