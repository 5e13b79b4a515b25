"""Where ``lockstep follow`` reads from: a directory, NDJSON on standard input, Bluesky Jetstream.

Every source hands out :class:`Batch` es: a file for the ordinary ingest pipeline (the watched file
itself, or a spool file holding the records a stream delivered) and the position the source will
stand at once the batch is stored. The loop writes that position into ``follow_state`` inside the
ingest transaction, so the posts and the position are stored together or not at all: a ``kill -9``
loses nothing that was stored, and a restart resumes from the position. Whatever is read twice
(the last events before a Jetstream cursor, a grown file read again) is dropped by ingest's key on
(dataset, platform, post id), so no post is stored twice either.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lockstep.errors import ConfigError

log = logging.getLogger(__name__)

#: Jetstream collections that carry posts (the bluesky ingest adapter reads both)
JETSTREAM_COLLECTIONS = ("app.bsky.feed.post", "app.bsky.feed.repost")


@dataclass
class Batch:
    path: Path
    fmt: str
    source: str  # key in follow_state
    position: str  # where the source stands once this batch is stored
    records: int = 0
    done: Callable[[], None] = field(default=lambda: None)


class DirectorySource:
    """New and growing files of a directory. A file is read once its size and modification time have
    not changed for ``settle_s`` seconds (a writer still appending is waited for); a file that changes
    later is read again as a whole, and ingest keeps only its new posts."""

    def __init__(self, folder: Path, *, fmt: str = "auto", settle_s: float = 2.0,
                 positions: dict[str, str] | None = None) -> None:
        if not folder.is_dir():
            raise ConfigError(f"--dir '{folder}' is not a folder. Name an existing folder to watch.")
        self.folder, self.fmt, self.settle_s = folder, fmt, settle_s
        self.done_at: dict[str, str] = dict(positions or {})  # source key -> "size:mtime_ns" stored
        self.pending: dict[str, tuple[str, float]] = {}  # key -> (stat seen, since when unchanged)
        self.exhausted = False

    def key(self, path: Path) -> str:
        return f"dir:{path.resolve()}"

    def poll(self, timeout: float) -> list[Batch]:
        out = []
        now = time.monotonic()
        for path in sorted(self.folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            try:
                st = path.stat()
            except OSError:
                continue  # removed between listing and stat
            if not st.st_size:
                continue
            stat, key = f"{st.st_size}:{st.st_mtime_ns}", self.key(path)
            if self.done_at.get(key) == stat:
                continue
            seen, since = self.pending.get(key, (None, now))
            if seen != stat:
                self.pending[key] = (stat, now)
                continue
            if now - since >= self.settle_s:
                self.pending.pop(key, None)
                out.append(Batch(path, self.fmt, key, stat, done=self._marker(key, stat)))
        if not out:
            time.sleep(min(timeout, max(0.05, self.settle_s / 4)))
        return out

    def _marker(self, key: str, stat: str) -> Callable[[], None]:
        def done() -> None:
            self.done_at[key] = stat
        return done

    def close(self) -> None:
        pass


class _Spool:
    """Records a stream delivered, written to a file the ingest pipeline reads."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix, self.n = folder, prefix, 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, lines: list[str]) -> Path:
        self.n += 1
        path = self.folder / f"{self.prefix}-{self.n:08d}.jsonl"
        path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        return path


class StdinSource:
    """NDJSON lines on standard input (or any text stream), read by a thread and handed out in batches
    of at most ``batch`` lines. The position is the count of lines read; a restart reads a new stream,
    so it relies on ingest's post keys to drop what was stored before."""

    def __init__(self, stream: IO[str] | None, spool: Path, *, fmt: str = "auto", batch: int = 2000,
                 linger_s: float = 1.0, start: int = 0) -> None:
        self.stream = stream or sys.stdin
        self.spool, self.fmt, self.batch, self.linger_s = _Spool(spool, "stdin"), fmt, batch, linger_s
        self.q: queue.Queue[str | None] = queue.Queue(maxsize=batch * 4)
        self.lines = start
        self.exhausted = False
        self._eof = False
        threading.Thread(target=self._read, name="lockstep-stdin", daemon=True).start()

    def _read(self) -> None:
        for line in self.stream:
            if line.strip():
                self.q.put(line)
        self.q.put(None)

    def poll(self, timeout: float) -> list[Batch]:
        lines: list[str] = []
        deadline = time.monotonic() + min(timeout, self.linger_s)
        while len(lines) < self.batch and not self._eof:
            try:
                item = self.q.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                self._eof = True
                break
            lines.append(item)
        if self._eof and not lines:
            self.exhausted = True
        if not lines:
            return []
        path = self.spool.write(lines)
        self.lines += len(lines)
        return [Batch(path, self.fmt, "stdin", str(self.lines), len(lines), done=path.unlink)]

    def close(self) -> None:
        pass


def with_cursor(url: str, cursor: int | None) -> str:
    """The Jetstream URL to (re)connect with: the post collections asked for unless the URL names
    collections itself, and ``cursor`` (unix microseconds) to resume from."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ConfigError(f"--jetstream must be a ws:// or wss:// URL (such as a Jetstream /subscribe "
                          f"endpoint). Got {url!r} instead.")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "cursor"]
    if not any(k == "wantedCollections" for k, _ in query):
        query += [("wantedCollections", c) for c in JETSTREAM_COLLECTIONS]
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/subscribe", urlencode(query), ""))


class JetstreamSource:
    """Bluesky Jetstream events over WebSocket (the public JSON format: ``did``, ``time_us``, ``kind``,
    ``commit``). A thread keeps the connection: on a disconnect it reconnects with exponential backoff
    and jitter, resuming with ``cursor`` = the ``time_us`` of the last event it received (Jetstream
    replays from there, so nothing in between is lost; the repeated event is dropped by its key). The
    stored position is the newest ``time_us`` of the last stored batch: a restart resumes there."""

    def __init__(self, url: str, spool: Path, *, cursor: int | None = None, batch: int = 2000,
                 linger_s: float = 1.0, backoff_s: float = 0.5, max_backoff_s: float = 30.0,
                 connect: Callable[..., Any] | None = None) -> None:
        with_cursor(url, None)  # check the URL now, not in the thread
        self.url, self.cursor = url, cursor
        self.spool, self.batch, self.linger_s = _Spool(spool, "jetstream"), batch, linger_s
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.q: queue.Queue[tuple[int, str]] = queue.Queue(maxsize=batch * 8)
        self.stop = threading.Event()
        self.connections = 0
        self.exhausted = False
        if connect is None:
            from websockets.sync.client import connect as ws_connect

            connect = ws_connect
        self._connect = connect
        self.thread = threading.Thread(target=self._run, name="lockstep-jetstream", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from websockets.exceptions import WebSocketException

        failures = 0
        while not self.stop.is_set():
            url = with_cursor(self.url, self.cursor)
            try:
                with self._connect(url, open_timeout=10, max_size=2**22) as ws:
                    self.connections += 1
                    failures = 0
                    log.info("connected to %s", url)
                    while not self.stop.is_set():
                        try:
                            raw = ws.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                        try:
                            t = int(json.loads(text)["time_us"])
                        except (ValueError, KeyError, TypeError):
                            log.warning("Jetstream message without time_us skipped: %.200s", text)
                            continue
                        while not self.stop.is_set():
                            try:
                                self.q.put((t, text), timeout=0.5)
                                break
                            except queue.Full:
                                continue
                        self.cursor = t
            except (OSError, WebSocketException, TimeoutError) as exc:
                failures += 1
                delay = min(self.max_backoff_s, self.backoff_s * 2 ** (failures - 1)) * (0.5 + random.random() / 2)
                log.warning("Jetstream connection lost (%s); reconnecting in %.1f s from cursor %s",
                            exc, delay, self.cursor)
                self.stop.wait(delay)

    def poll(self, timeout: float) -> list[Batch]:
        events: list[tuple[int, str]] = []
        deadline = time.monotonic() + min(timeout, self.linger_s)
        while len(events) < self.batch:
            try:
                events.append(self.q.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        if not events:
            return []
        path = self.spool.write([e[1] for e in events])
        newest = max(e[0] for e in events)
        return [Batch(path, "bluesky", "jetstream", str(newest), len(events), done=path.unlink)]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
