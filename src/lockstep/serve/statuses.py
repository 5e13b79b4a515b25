"""TAXII status resources: one per add request, stored with the objects it reports on.

A status lists each object (``successes``, ``failures``) only up to ``max_details`` entries per list;
past that the list is left out (TAXII clients check that a list, when present, has ``*_count``
entries) and ``x_lockstep_failure_reasons`` counts the failures per reason, with the first
``SAMPLE`` failures in ``x_lockstep_failures_sample``. An envelope of 330,000 tiny objects thus
yields a status of a few kilobytes, not tens of megabytes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert

from lockstep.serve.objects import AddResult
from lockstep.serve.schema import statuses
from lockstep.serve.timestamps import format_us

SAMPLE = 20
#: distinct failure reasons counted one by one; the rest are counted together
MAX_REASONS = 50


def details(result: AddResult, max_details: int) -> dict[str, Any]:
    """What the status says about each object, bounded by ``max_details`` entries per list."""
    out: dict[str, Any] = {}
    if len(result.successes) <= max_details:
        out["successes"] = result.successes
    if len(result.failures) <= max_details:
        out["failures"] = result.failures
    else:
        reasons: dict[str, int] = {}
        for f in result.failures:
            why = f.get("message", "")[:200]
            if why not in reasons and len(reasons) >= MAX_REASONS:
                why = "other reasons"
            reasons[why] = reasons.get(why, 0) + 1
        out["x_lockstep_failure_reasons"] = reasons
        out["x_lockstep_failures_sample"] = result.failures[:SAMPLE]
    return out


def save_status(conn: Connection, *, api_root_id: int, collection_id: str, org_id: int, request_us: int,
                result: AddResult, max_details: int = 1000) -> dict[str, Any]:
    sid = str(uuid.uuid4())
    total = len(result.successes) + len(result.failures)
    row = {"id": sid, "api_root_id": api_root_id, "collection_id": collection_id, "organisation_id": org_id,
           "request_us": request_us, "status": "complete", "total_count": total,
           "success_count": len(result.successes), "failure_count": len(result.failures), "pending_count": 0,
           "details": json.dumps(details(result, max_details))}
    conn.execute(insert(statuses), row)
    return status_resource(row)


def status_resource(row: Any) -> dict[str, Any]:
    r = row if isinstance(row, dict) else dict(row._mapping)
    info = json.loads(r["details"])
    out: dict[str, Any] = {
        "id": r["id"], "status": r["status"], "request_timestamp": format_us(r["request_us"]),
        "total_count": r["total_count"], "success_count": r["success_count"],
        "failure_count": r["failure_count"], "pending_count": r["pending_count"]}
    for k in ("successes", "failures", "x_lockstep_failure_reasons", "x_lockstep_failures_sample"):
        if info.get(k):
            out[k] = info[k]
    return out
