"""The audit log: every write and every denied request, with who, what, when and the outcome.

Secrets never reach this table: callers pass key *ids* only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, desc, insert, select

from lockstep.serve.database import now_us
from lockstep.serve.schema import audit_log


def record(bind: Connection | Engine, *, action: str, outcome: str, organisation: str | None = None,
           key_id: str | None = None, target: str | None = None, http_status: int | None = None,
           detail: str | None = None, remote: str | None = None) -> None:
    """Append one entry. With an Engine it commits on its own; with a Connection it joins that
    transaction (so a write and its audit entry commit together)."""
    row = {"at_us": now_us(), "organisation": organisation, "key_id": key_id, "action": action,
           "target": target, "outcome": outcome, "http_status": http_status,
           "detail": (detail or "")[:2000] or None, "remote": remote}
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(insert(audit_log), row)
    else:
        bind.execute(insert(audit_log), row)


def entries(engine: Engine, *, limit: int = 100, organisation: str | None = None,
            outcome: str | None = None) -> list[dict[str, Any]]:
    """The newest entries first."""
    q = select(audit_log).order_by(desc(audit_log.c.id)).limit(limit)
    if organisation:
        q = q.where(audit_log.c.organisation == organisation)
    if outcome:
        q = q.where(audit_log.c.outcome == outcome)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
