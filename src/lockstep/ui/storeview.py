"""The store as the workspace reads it: opened read-only for each request, never held open.

DuckDB lets one process write a store file and refuses every other open while it does (``detect``,
``follow`` or ``ingest`` running). The workspace then keeps working: it answers from the last page
it rendered for the same address (:class:`PageCache`) with a notice saying the store is being
written, or with the notice alone. Verdicts do not need the store: they go to the server database.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from lockstep.errors import StoreError
from lockstep.store import Store


class StoreBusy(StoreError):
    """Another process holds the store for writing."""


@contextmanager
def reading(path: Path) -> Iterator[Store]:
    """The store, read-only, for one request; :class:`StoreBusy` while a writer holds it."""
    try:
        store = Store(path, read_only=True)
    except StoreError as exc:
        cause = exc.__cause__
        if isinstance(cause, duckdb.IOException) and "lock" in str(cause).lower():
            raise StoreBusy(f"The store '{path.name}' is being written by another Lockstep command "
                            "(detect, follow or ingest).") from exc
        raise
    try:
        yield store
    finally:
        store.close()


class PageCache:
    """The template context of the last rendering of each page (per organisation), for answering
    while the store is busy. Bounded: ``size`` pages, oldest dropped first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: tuple[Any, ...], context: dict[str, Any]) -> None:
        with self._lock:
            self._pages[key] = (time.time(), context)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def get(self, key: tuple[Any, ...]) -> tuple[float, dict[str, Any]] | None:
        with self._lock:
            return self._pages.get(key)
