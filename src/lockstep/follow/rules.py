"""Which changes become alerts: a new network, growth by N accounts, a pivot, a watched narrative, a
partner's indicator.

Each rule reads what the stages already wrote (``network_history`` from durable ids, pivots over
``post_topics``, ``watch_alerts`` from ``lockstep watch check``, ``sightings`` from indicator matching)
and proposes alerts. An alert's id is a hash of the rule and what triggered it, and alerts are stored
with ``INSERT ... ON CONFLICT DO NOTHING``: a restart, or a re-detection that sees the same change,
raises nothing twice. Lineage events are read from a watermark (``follow_state``, source ``alerts``)
kept in the same transaction as the alerts, so a crash between detection and alerting loses none.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from lockstep.errors import ConfigError
from lockstep.store import Store

log = logging.getLogger(__name__)

RULES = ("new_network", "growth", "pivot", "watch", "indicator")
_WATERMARK = "alerts"


@dataclass(frozen=True)
class Rules:
    """Which rules run. ``growth``: accounts a network must gain since its last alert (None: off)."""

    new_network: bool = True
    growth: int | None = 3
    pivot: bool = True
    watch: bool = True
    indicator: bool = True

    @classmethod
    def parse(cls, names: list[str] | None, growth: int | None) -> Rules:
        """``--alert new_network --alert growth ...`` (none named: all of them)."""
        chosen = set(names or RULES)
        unknown = chosen - set(RULES)
        if unknown:
            raise ConfigError(f"Unknown alert rule(s) {', '.join(sorted(unknown))}; choose from {', '.join(RULES)}.")
        if growth is not None and growth < 1:
            raise ConfigError(f"--alert-growth must be at least 1 account. Got {growth}.")
        return cls(new_network="new_network" in chosen, growth=growth if "growth" in chosen else None,
                   pivot="pivot" in chosen, watch="watch" in chosen, indicator="indicator" in chosen)


def link(dataset: str, network_id: int | None) -> str | None:
    """The evidence link an alert carries: the command that shows the network."""
    return None if network_id is None else f"lockstep network {network_id} --dataset {dataset}"


def _alert(dataset: str, rule: str, key: str, *, network_id: int | None, reason: str, first_post: Any = None,
           last_post: Any = None, size: int | None = None, accounts: list[str] | None = None) -> dict[str, Any]:
    digest = hashlib.sha256(f"{dataset}\x1f{rule}\x1f{key}".encode()).hexdigest()[:24]
    return {"alert_id": f"{rule}-{digest}", "dataset": dataset, "rule": rule, "network_id": network_id,
            "first_post": first_post, "last_post": last_post, "size": size, "reason": reason,
            "link": link(dataset, network_id), "accounts": (accounts or [])[:500]}


def _lineage(store: Store, dataset: str, rules: Rules, since: datetime | None) -> list[dict[str, Any]]:
    where = "AND seen_at > ?" if since else ""
    events = store.query(
        "SELECT network_id, event, seen_at, size, change, related, accounts, first_post, last_post, sentence "
        f"FROM network_history WHERE dataset = ? {where} ORDER BY seen_at, network_id",
        [dataset, since] if since else [dataset]).to_pylist()
    out: list[dict[str, Any]] = []
    alerted = dict(store.rows("SELECT network_id, max(size) FROM alerts WHERE dataset = ? AND rule IN "
                              "('new_network', 'growth') GROUP BY 1", [dataset]))
    for e in events:
        nid = e["network_id"]
        if rules.new_network and e["event"] in ("new", "split"):
            out.append(_alert(dataset, "new_network", f"new:{nid}", network_id=nid, reason=e["sentence"],
                              first_post=e["first_post"], last_post=e["last_post"], size=e["size"],
                              accounts=e["accounts"]))
            alerted[nid] = e["size"]
        elif rules.new_network and e["event"] == "reactivated":
            out.append(_alert(dataset, "new_network", f"reactivated:{nid}:{e['seen_at']}", network_id=nid,
                              reason=e["sentence"], first_post=e["first_post"], last_post=e["last_post"],
                              size=e["size"], accounts=e["accounts"]))
            alerted[nid] = e["size"]
        elif rules.growth is not None and e["event"] in ("grew", "merged") and e["change"] > 0:
            base = alerted.get(nid)
            if base is None:  # no alert for it yet (the rule was off): count from its size before this change
                base = e["size"] - e["change"]
            if e["size"] - base >= rules.growth:
                out.append(_alert(
                    dataset, "growth", f"growth:{nid}:{e['size']}", network_id=nid, first_post=e["first_post"],
                    last_post=e["last_post"], size=e["size"], accounts=e["accounts"],
                    reason=f"{e['sentence']} That is {e['size'] - base} more accounts than at its last alert "
                           f"(growth rule: {rules.growth} or more)."))
                alerted[nid] = e["size"]
    return out


def _pivots(store: Store, dataset: str) -> list[dict[str, Any]]:
    if not store.has_table("post_topics") or not store.scalar(
            "SELECT count(*) FROM post_topics WHERE dataset = ?", [dataset]):
        return []
    from lockstep.narratives.pivots import find_pivots  # only where topics exist: it loads the topic stage

    out = []
    for p in find_pivots(store, dataset):
        # One alert per network and destination topic: the estimate moves a little as posts arrive.
        out.append(_alert(dataset, "pivot", f"pivot:{p['network_id']}:{p['to_topic']['label']}",
                          network_id=p["network_id"], reason=p["sentence"],
                          first_post=datetime.fromisoformat(p["time"].rstrip("Z")), size=None))
    return out


def _watches(store: Store, dataset: str) -> list[dict[str, Any]]:
    if not store.has_table("watch_alerts"):
        return []
    rows = store.query("SELECT watch, network_id, time, window_end, sentence FROM watch_alerts WHERE dataset = ?",
                       [dataset]).to_pylist()
    return [_alert(dataset, "watch", f"watch:{r['watch']}:{r['network_id']}:{r['time']}", network_id=r["network_id"],
                   reason=r["sentence"], first_post=r["time"], last_post=r["window_end"]) for r in rows]


def _indicators(store: Store, dataset: str) -> list[dict[str, Any]]:
    if not store.has_table("sightings"):
        return []
    rows = store.query("SELECT indicator_id, type, value, producer, count, first_seen, last_seen, accounts, "
                       "account_count, networks FROM sightings WHERE dataset = ?", [dataset]).to_pylist()
    out = []
    for r in rows:
        nets = r["networks"] or []
        where = f", {len(nets)} of them in network(s) {', '.join(map(str, nets))}" if nets else ""
        out.append(_alert(
            dataset, "indicator", f"indicator:{r['indicator_id']}:{r['type']}:{r['value']}",
            network_id=nets[0] if nets else None, first_post=r["first_seen"], last_post=r["last_seen"],
            accounts=r["accounts"],
            reason=(f"A partner's indicator ({r['type']} {r['value']!r}, {r['indicator_id']}, from "
                    f"{r['producer'] or 'an unnamed producer'}) matched {r['count']} posts by {r['account_count']} "
                    f"accounts{where}.")))
    return out


def raise_alerts(store: Store, dataset: str, rules: Rules, *, now: datetime,
                 data_time: datetime | None) -> list[dict[str, Any]]:
    """Store the alerts the rules propose that were not raised before; returns the new ones."""
    since_raw = store.scalar("SELECT position FROM follow_state WHERE dataset = ? AND source = ?",
                             [dataset, _WATERMARK])
    since = datetime.fromisoformat(since_raw) if since_raw else None
    newest = store.scalar("SELECT max(seen_at) FROM network_history WHERE dataset = ?", [dataset])
    cands = _lineage(store, dataset, rules, since)
    if rules.pivot:
        cands += _pivots(store, dataset)
    if rules.watch:
        cands += _watches(store, dataset)
    if rules.indicator:
        cands += _indicators(store, dataset)
    seen: set[str] = set()
    cands = [c for c in cands if not (c["alert_id"] in seen or seen.add(c["alert_id"]))]  # type: ignore[func-returns-value]
    for c in cands:
        c["raised_at"], c["data_time"] = now, data_time
    new: list[dict[str, Any]] = []
    with store.transaction() as con:
        if cands:
            ids = [c["alert_id"] for c in cands]
            old = {r[0] for r in con.execute("SELECT alert_id FROM alerts WHERE alert_id IN (SELECT unnest(?))",
                                             [ids]).fetchall()}
            new = [c for c in cands if c["alert_id"] not in old]
            if new:
                store.append("alerts", pa.Table.from_pylist(new, schema=ALERT_SCHEMA))
        if newest is not None:
            con.execute("INSERT INTO follow_state (dataset, source, position, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (dataset, source) DO UPDATE SET position = excluded.position, "
                        "updated_at = excluded.updated_at", [dataset, _WATERMARK, newest.isoformat(), now])
    return new


ALERT_SCHEMA = pa.schema([
    ("alert_id", pa.string()), ("dataset", pa.string()), ("rule", pa.string()), ("network_id", pa.int32()),
    ("raised_at", pa.timestamp("us")), ("data_time", pa.timestamp("us")), ("first_post", pa.timestamp("us")),
    ("last_post", pa.timestamp("us")), ("size", pa.int32()), ("reason", pa.string()), ("link", pa.string()),
    ("accounts", pa.list_(pa.string())),
])
