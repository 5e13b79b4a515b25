"""The audit log: every write and every denied request, with who, what, when and the outcome.

Secrets never reach this table: callers pass key *ids* only. Every value is cut to a bounded length
(a 60 KB path costs one short row), and requests without valid credentials are recorded one by one
only up to a rate per client address (:class:`UnauthenticatedLimiter`): a stranger cannot fill the
disk through the audit log.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import Connection, Engine, desc, insert, select

from lockstep.serve.database import now_us
from lockstep.serve.schema import audit_log

#: longest value of a text column kept; longer values keep their start and say how much was cut
MAX_VALUE = 512
MAX_DETAIL = 2000


def clip(value: str | None, limit: int = MAX_VALUE) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return f"{value[:limit]}... (+{len(value) - limit} characters)"


class UnauthenticatedLimiter:
    """At most ``per_minute`` audit rows per client address and minute for requests without valid
    credentials. The first refused one writes a row saying so; the next minute's first row counts
    what was left out. Tracks at most ``max_sources`` addresses (the oldest are forgotten)."""

    def __init__(self, per_minute: int, *, max_sources: int = 10_000) -> None:
        self.per_minute, self.max_sources = per_minute, max_sources
        self._seen: OrderedDict[str, list[float]] = OrderedDict()  # remote -> [window start, rows, left out]
        self._lock = threading.Lock()

    def admit(self, remote: str | None, now: float | None = None) -> tuple[bool, str | None]:
        """(write this row?, a note to add: rows left out before, or that rows are left out from now)."""
        now = time.monotonic() if now is None else now
        key = remote or "-"
        with self._lock:
            st = self._seen.get(key)
            note = None
            if st is None or now - st[0] >= 60:
                if st is not None and st[2]:
                    note = f"{int(st[2])} earlier unauthenticated request(s) from this address were not recorded"
                st = [now, 0, 0]
                self._seen[key] = st
                self._seen.move_to_end(key)
                while len(self._seen) > self.max_sources:
                    self._seen.popitem(last=False)
            if st[1] < self.per_minute:
                st[1] += 1
                return True, note
            st[2] += 1
            if st[2] == 1:
                return True, (f"over {self.per_minute} unauthenticated requests a minute from this address: "
                              "the rest of this minute is counted, not recorded")
            return False, None


def record(bind: Connection | Engine, *, action: str, outcome: str, organisation: str | None = None,
           key_id: str | None = None, target: str | None = None, http_status: int | None = None,
           detail: str | None = None, remote: str | None = None, actor: str | None = None) -> None:
    """Append one entry. With an Engine it commits on its own; with a Connection it joins that
    transaction (so a write and its audit entry commit together)."""
    row = {"at_us": now_us(), "organisation": clip(organisation), "key_id": clip(key_id, 64),
           "action": clip(action), "target": clip(target), "outcome": clip(outcome), "http_status": http_status,
           "detail": clip(detail or None, MAX_DETAIL), "remote": clip(remote, 128)}
    if actor is not None:  # the column is newer (revision 0004) than some callers' schemas
        row["actor"] = clip(actor, 200)
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(insert(audit_log), row)
    else:
        bind.execute(insert(audit_log), row)


def entries(engine: Engine, *, limit: int = 100, organisation: str | None = None,
            outcome: str | None = None, action_prefix: str | None = None) -> list[dict[str, Any]]:
    """The newest entries first."""
    q = select(audit_log).order_by(desc(audit_log.c.id)).limit(limit)
    if organisation:
        q = q.where(audit_log.c.organisation == organisation)
    if action_prefix:
        q = q.where(audit_log.c.action.startswith(action_prefix, autoescape=True))
    if outcome:
        q = q.where(audit_log.c.outcome == outcome)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
