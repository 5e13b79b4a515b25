"""TAXII status resources: one per add request, stored with the objects it reports on."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert

from lockstep.serve.objects import AddResult
from lockstep.serve.schema import statuses
from lockstep.serve.timestamps import format_us


def save_status(conn: Connection, *, api_root_id: int, collection_id: str, org_id: int, request_us: int,
                result: AddResult) -> dict[str, Any]:
    sid = str(uuid.uuid4())
    total = len(result.successes) + len(result.failures)
    row = {"id": sid, "api_root_id": api_root_id, "collection_id": collection_id, "organisation_id": org_id,
           "request_us": request_us, "status": "complete", "total_count": total,
           "success_count": len(result.successes), "failure_count": len(result.failures), "pending_count": 0,
           "details": json.dumps({"successes": result.successes, "failures": result.failures})}
    conn.execute(insert(statuses), row)
    return status_resource(row)


def status_resource(row: Any) -> dict[str, Any]:
    r = row if isinstance(row, dict) else dict(row._mapping)
    details = json.loads(r["details"])
    out: dict[str, Any] = {
        "id": r["id"], "status": r["status"], "request_timestamp": format_us(r["request_us"]),
        "total_count": r["total_count"], "success_count": r["success_count"],
        "failure_count": r["failure_count"], "pending_count": r["pending_count"]}
    for k in ("successes", "failures"):
        if details.get(k):
            out[k] = details[k]
    return out
