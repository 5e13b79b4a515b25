"""Topic volumes over time, overall and per network, and each network's topic mix.

Volumes are recomputed from ``post_topics`` and the current ``members`` every time topics or
networks change (cheap SQL), so a new detection run never leaves stale per-network figures.
"""

from __future__ import annotations

from typing import Any

from lockstep.store import Store

PERIODS = ("day", "week")


def refresh_volume(store: Store, dataset: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM topic_volume WHERE dataset = ?", [dataset])
        for period in PERIODS:
            con.execute(
                "INSERT INTO topic_volume SELECT dataset, topic_id, NULL, ?, date_trunc(?, time), count(*) "
                "FROM post_topics WHERE dataset = ? GROUP BY ALL", [period, period, dataset])
            con.execute(
                "INSERT INTO topic_volume SELECT pt.dataset, pt.topic_id, m.network_id, ?, "
                "date_trunc(?, pt.time), count(*) FROM post_topics pt JOIN members m "
                "ON m.dataset = pt.dataset AND m.platform = pt.platform AND m.account_id = pt.account_id "
                "WHERE pt.dataset = ? GROUP BY ALL", [period, period, dataset])


def network_mix(store: Store, dataset: str, network_id: int | None = None, top: int = 5) -> list[dict[str, Any]]:
    """Per network: posts with a topic, and its ``top`` topics with share of its posts."""
    where = "AND m.network_id = ?" if network_id is not None else ""
    params: list[Any] = [dataset] + ([network_id] if network_id is not None else [])
    rows = store.rows(
        f"""SELECT m.network_id, pt.topic_id, t.label, count(*) AS n
            FROM post_topics pt JOIN members m ON m.dataset = pt.dataset AND m.platform = pt.platform
                 AND m.account_id = pt.account_id
            LEFT JOIN topics t ON t.dataset = pt.dataset AND t.topic_id = pt.topic_id
            WHERE pt.dataset = ? {where} GROUP BY ALL ORDER BY 1, 4 DESC, 2""", params)
    out: dict[int, dict[str, Any]] = {}
    for nid, tid, label, n in rows:
        d = out.setdefault(nid, {"network_id": nid, "posts": 0, "topics": []})
        d["posts"] += n
        d["topics"].append({"topic_id": tid, "label": label, "posts": n})
    for d in out.values():
        d["topics"] = [dict(t, share=round(t["posts"] / d["posts"], 4)) for t in d["topics"][:top]]
    return list(out.values())
