"""Search of the networks list: which networks have a member whose handle, name, post text, link or
domain contains the words searched.

Only the members' posts can match. Detection writes them, with their network ids, to
``network_posts`` (see :func:`lockstep.report.data.prejoined`; stores detected before it join every
post of the dataset with the members instead, a scan of the text column of all posts: about a
second of CPU at 1M posts). The first search after the store changed copies those (handle, text,
links, domains) into memory as an Arrow table, and every search then scans that copy (milliseconds).
The copy is keyed by the store file's size and modification time (and its write-ahead log's), so a
new `detect` or `ingest` rebuilds it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pyarrow as pa

from lockstep.report.data import prejoined
from lockstep.store import Store
from lockstep.ui.storeview import version

_COLUMNS = """p.network_id, lower(coalesce(p.handle, '')) AS handle, lower(coalesce(p.text, '')) AS text,
               lower(array_to_string(p.urls, ' ')) AS urls, p.domains"""
_PREJOINED = f"SELECT {_COLUMNS} FROM network_posts p WHERE p.dataset = ?"
_JOINED = f"""
    SELECT {_COLUMNS} FROM (SELECT m.network_id, p.* FROM posts p JOIN members m
      ON p.dataset = m.dataset AND p.platform = m.platform AND p.account_id = m.account_id
    WHERE m.dataset = ?) p"""


class SearchIndex:
    """The members' posts of recently searched datasets, in memory (at most ``keep`` of them)."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._tables: OrderedDict[tuple[str, str], tuple[tuple[int, ...], pa.Table]] = OrderedDict()
        self._lock = threading.Lock()

    def member_posts(self, store: Store, dataset: str) -> pa.Table:
        key, now = (str(store.path), dataset), version(store.path)
        with self._lock:
            hit = self._tables.get(key)
            if hit is not None and hit[0] == now:
                self._tables.move_to_end(key)
                return hit[1]
        table = store.query(_PREJOINED if prejoined(store, dataset) else _JOINED, [dataset])
        with self._lock:
            self._tables[key] = (now, table)
            while len(self._tables) > self.keep:
                self._tables.popitem(last=False)
        return table

    def networks(self, store: Store, dataset: str, q: str) -> list[int]:
        """Networks with a member whose handle, display name or id, or one of whose posts' text,
        links or domains, contains ``q`` (case-insensitive; a leading @ is ignored)."""
        needle = q.lower().lstrip("@")
        table = self.member_posts(store, dataset)
        store.con.register("_search_posts", table)
        try:
            rows = store.rows("""
                SELECT DISTINCT network_id FROM _search_posts
                WHERE contains(handle, ?) OR contains(text, ?) OR contains(urls, ?) OR list_contains(domains, ?)
                UNION
                SELECT m.network_id FROM members m JOIN accounts a
                  ON a.dataset = m.dataset AND a.platform = m.platform AND a.account_id = m.account_id
                WHERE m.dataset = ? AND (contains(lower(a.handle), ?) OR a.account_id = ?
                                         OR contains(lower(a.display_name), ?))""",
                              [needle, needle, needle, needle, dataset, needle, q, needle])
        finally:
            store.con.unregister("_search_posts")
        return sorted(int(r[0]) for r in rows)
