"""The store as the workspace reads it: opened read-only for each request, never held open.

DuckDB lets one process write a store file and refuses every other open while it does (``detect``,
``follow`` or ``ingest`` running). The workspace then keeps working: it answers from the last page
it rendered for the same address (:class:`PageCache`) with a notice saying the store is being
written, or with the notice alone. Verdicts do not need the store: they go to the server database.

The same cache answers a page asked again while the store file is unchanged (same size and
modification time, :func:`version`) without opening the store at all: going back to a network, or
the reload after recording a verdict, costs no query and takes no lock a writer could run into.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lockstep.errors import StoreError
from lockstep.store import Store, StoreLocked


class StoreBusy(StoreError):
    """Another process holds the store for writing."""


@contextmanager
def reading(path: Path) -> Iterator[Store]:
    """The store, read-only, for one request; :class:`StoreBusy` while a writer holds it."""
    try:
        store = Store(path, read_only=True)
    except StoreLocked as exc:
        raise StoreBusy(f"The store '{path.name}' is being written by another Lockstep command "
                        "(detect, follow or ingest).") from exc
    try:
        yield store
    finally:
        store.close()


def version(path: Path) -> tuple[int, ...]:
    """Size and modification time of the store file and of its write-ahead log: any write changes it."""
    out: list[int] = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            out += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out += [0, 0]
    return tuple(out)


class PageCache:
    """The template context of the last rendering of each page (per organisation) and the store
    version it was read from. Bounded: ``size`` pages, oldest dropped first."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], tuple[tuple[int, ...], float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: tuple[Any, ...], store_version: tuple[int, ...], context: dict[str, Any]) -> None:
        with self._lock:
            self._pages[key] = (store_version, time.time(), context)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def get(self, key: tuple[Any, ...]) -> tuple[tuple[int, ...], float, dict[str, Any]] | None:
        with self._lock:
            hit = self._pages.get(key)
            if hit is not None:
                self._pages.move_to_end(key)
            return hit
