"""Durable network ids: a run's networks are matched to the networks the dataset had before.

Clustering numbers networks afresh on every run, so "network 3" on Monday and "network 3" on
Tuesday need not be the same operation. Here each network found by a run is matched to the
earlier networks (active or dormant, kept in ``network_lineage``) by who is in it and, when the
accounts were swapped out, by what it shared:

* a link needs at least :data:`MIN_SHARED` shared accounts covering half of the smaller network
  (overlap coefficient >= :data:`MIN_OVERLAP`), or, failing that, the same on evidence items;
* links are taken greedily, largest overlap first, so each earlier id goes to at most one new
  network (its heir) and each new network takes at most one earlier id;
* what is left over is a lineage event: a new network linked to an id its heir already took is a
  ``split`` of it; an earlier id linked to a new network that took another id was ``merged`` into
  it; a new network with no link is ``new``; an active id with no link goes ``dormant``; a dormant
  id that gets an heir is ``reactivated``; an heir of another size ``grew`` or ``shrank``.

New ids are never reused (max + 1), so a link to ``lockstep network ID`` stays meaningful.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from lockstep.store import Store

MIN_SHARED = 2
MIN_OVERLAP = 0.5
#: evidence items kept per network for matching (the most frequent first)
MAX_ITEMS = 500

Key = str  # "platform:account_id"


@dataclass
class Seen:
    """What a run found for one network (by its run-local id)."""

    members: set[Key]
    items: set[str] = field(default_factory=set)
    #: per member: (first, last) evidence time, to date the posts behind a change
    times: dict[Key, tuple[datetime, datetime]] = field(default_factory=dict)


@dataclass
class Known:
    """An earlier durable network, as ``network_lineage`` holds it."""

    network_id: int
    status: str
    members: set[Key]
    items: set[str]
    first_seen: datetime | None = None


@dataclass
class Plan:
    mapping: dict[int, int]  # run-local id -> durable id
    events: list[dict[str, Any]]
    lineage: list[dict[str, Any]]


def _overlap(a: set[str], b: set[str]) -> tuple[int, float]:
    shared = len(a & b)
    return shared, shared / max(1, min(len(a), len(b)))


def _links(seen: dict[int, Seen], known: dict[int, Known]) -> list[tuple[int, int, int, int]]:
    """(new, old, shared accounts, shared items) for every pair that passes the thresholds."""
    by_member: dict[Key, set[int]] = defaultdict(set)
    by_item: dict[str, set[int]] = defaultdict(set)
    for k in known.values():
        for m in k.members:
            by_member[m].add(k.network_id)
        for it in k.items:
            by_item[it].add(k.network_id)
    out = []
    for nid, s in seen.items():
        cands = set().union(*(by_member.get(m, set()) for m in s.members),
                            *(by_item.get(i, set()) for i in s.items))
        for oid in cands:
            k = known[oid]
            n_acc, ov_acc = _overlap(s.members, k.members)
            n_items, ov_items = _overlap(s.items, k.items)
            if (n_acc >= MIN_SHARED and ov_acc >= MIN_OVERLAP) or (n_items >= MIN_SHARED and ov_items >= MIN_OVERLAP):
                out.append((nid, oid, n_acc, n_items))
    return out


def plan(seen: dict[int, Seen], known: dict[int, Known], *, at: datetime, data_time: datetime | None,
         run_id: str) -> Plan:
    """Assign durable ids and list the lineage events of one run (pure: no store)."""
    links = _links(seen, known)
    mapping: dict[int, int] = {}
    taken: dict[int, int] = {}  # old id -> new run-local id
    for nid, oid, _, _ in sorted(links, key=lambda x: (-x[2], -x[3], x[1], x[0])):
        if nid not in mapping and oid not in taken:
            mapping[nid] = oid
            taken[oid] = nid
    next_id = max([0, *known]) + 1
    events: list[dict[str, Any]] = []
    split_from: dict[int, list[int]] = {}  # new durable id -> the earlier ids it broke away from
    merged_away: set[int] = set()

    def event(network_id: int, kind: str, size: int, change: int, related: Iterable[int], accounts: Iterable[Key],
              sentence: str, nid: int | None = None) -> None:
        accs = sorted(accounts)
        times = [seen[nid].times[a] for a in accs if nid is not None and a in seen[nid].times]
        events.append({"network_id": network_id, "event": kind, "seen_at": at, "data_time": data_time, "size": size,
                       "change": change, "related": sorted(related), "accounts": accs[:200],
                       "first_post": min((t[0] for t in times), default=None),
                       "last_post": max((t[1] for t in times), default=None), "run_id": run_id,
                       "sentence": sentence})

    for nid in sorted(seen, key=lambda n: (-len(seen[n].members), min(seen[n].members))):
        s = seen[nid]
        parents = sorted({oid for n, oid, *_ in links if n == nid})
        if nid in mapping:
            continue
        if any(p in taken for p in parents):
            mapping[nid] = next_id
            src = [p for p in parents if p in taken]
            split_from[next_id] = src
            event(next_id, "split", len(s.members), len(s.members), src, s.members,
                  f"Network {next_id} split off network {src[0]} with {len(s.members)} accounts.", nid)
        else:
            mapping[nid] = next_id
            event(next_id, "new", len(s.members), len(s.members), [], s.members,
                  f"Network {next_id} appeared with {len(s.members)} accounts.", nid)
        next_id += 1
    for nid, oid in sorted(mapping.items(), key=lambda x: x[1]):
        if oid not in known:
            continue
        s, k = seen[nid], known[oid]
        if k.status != "active":
            event(oid, "reactivated", len(s.members), len(s.members - k.members), [], s.members - k.members,
                  f"Network {oid} is active again with {len(s.members)} accounts "
                  f"({len(s.members & k.members)} of them known from before).", nid)
        absorbed = sorted({o for n, o, *_ in links if n == nid and o != oid and o not in taken
                           and known[o].status == "active"})
        merged_away.update(absorbed)
        for o in absorbed:
            event(o, "merged", len(s.members), 0, [oid], known[o].members & s.members,
                  f"Network {o} merged into network {oid}.", nid)
        if absorbed:
            event(oid, "merged", len(s.members), len(s.members) - len(k.members), absorbed, s.members - k.members,
                  f"Network {oid} absorbed network(s) {', '.join(map(str, absorbed))}; it now has "
                  f"{len(s.members)} accounts.", nid)
        split_off = sorted(d for d, srcs in split_from.items() if oid in srcs)
        if split_off:
            event(oid, "split", len(s.members), len(s.members) - len(k.members), split_off, set(),
                  f"Network {oid} split: network(s) {', '.join(map(str, split_off))} broke away.", nid)
        if k.status == "active" and not absorbed:
            gained, lost = s.members - k.members, k.members - s.members
            if len(s.members) > len(k.members):
                event(oid, "grew", len(s.members), len(s.members) - len(k.members), [], gained,
                      f"Network {oid} grew from {len(k.members)} to {len(s.members)} accounts "
                      f"({len(gained)} joined, {len(lost)} left).", nid)
            elif len(s.members) < len(k.members):
                event(oid, "shrank", len(s.members), len(s.members) - len(k.members), [], lost,
                      f"Network {oid} shrank from {len(k.members)} to {len(s.members)} accounts "
                      f"({len(gained)} joined, {len(lost)} left).", nid)
    for oid, k in sorted(known.items()):
        if k.status == "active" and oid not in taken and oid not in merged_away:
            event(oid, "dormant", 0, -len(k.members), [], set(),
                  f"Network {oid} ({len(k.members)} accounts) was not found in this run.")
    lineage = []
    durable = {mapping[n]: n for n in seen}
    for oid, k in known.items():
        if oid in durable:
            continue
        status = "merged" if oid in merged_away else ("dormant" if k.status == "active" else k.status)
        lineage.append({"network_id": oid, "status": status, "first_seen": k.first_seen, "last_seen": None,
                        "members": sorted(k.members), "items": sorted(k.items), "_keep_last_seen": True})
    for did, nid in durable.items():
        k2 = known.get(did)
        lineage.append({"network_id": did, "status": "active", "first_seen": k2.first_seen if k2 else at,
                        "last_seen": at, "size": len(seen[nid].members), "members": sorted(seen[nid].members),
                        "items": sorted(seen[nid].items)})
    return Plan(mapping=mapping, events=events, lineage=lineage)


# -- store side ---------------------------------------------------------------------------------

def seen_from(members: pa.Table, evidence: pa.Table) -> dict[int, Seen]:
    """The run's networks from the tables ``build_networks`` returns."""
    out: dict[int, Seen] = {}
    for nid, plat, acc in zip(*(members.column(c).to_pylist() for c in ("network_id", "platform", "account_id")),
                              strict=True):
        out.setdefault(int(nid), Seen(set())).members.add(f"{plat}:{acc}")
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cols = [evidence.column(c).to_pylist() for c in ("network_id", "trace", "item", "platform", "account_id", "time")]
    for nid, trace, item, plat, acc, t in zip(*cols, strict=True):
        nid = int(nid)
        if nid not in out:
            continue
        if item is not None:
            counts[nid][f"{trace}:{item}"] += 1
        key = f"{plat}:{acc}"
        if t is not None:
            lo, hi = out[nid].times.get(key, (t, t))
            out[nid].times[key] = (min(lo, t), max(hi, t))
    for nid, c in counts.items():
        out[nid].items = {k for k, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:MAX_ITEMS]}
    return out


def known_from(store: Store, dataset: str) -> dict[int, Known]:
    rows = store.rows("SELECT network_id, status, members, items, first_seen FROM network_lineage "
                      "WHERE dataset = ? AND status <> 'merged'", [dataset])
    return {int(r[0]): Known(int(r[0]), r[1], set(r[2] or []), set(r[3] or []), r[4]) for r in rows}


def remap(table: pa.Table, mapping: dict[int, int], column: str = "network_id") -> pa.Table:
    if column not in table.column_names or not table.num_rows:
        return table
    ids = pa.array([mapping[int(i)] for i in table.column(column).to_pylist()], pa.int32())
    return table.set_column(table.schema.get_field_index(column), column, ids)


def write(con: Any, store: Store, dataset: str, p: Plan) -> None:
    """Inside the caller's transaction: replace the dataset's lineage rows, append its events."""
    old_last = dict(con.execute("SELECT network_id, last_seen FROM network_lineage WHERE dataset = ?",
                                [dataset]).fetchall())
    old_size = dict(con.execute("SELECT network_id, size FROM network_lineage WHERE dataset = ?",
                                [dataset]).fetchall())
    rows = []
    for r in p.lineage:
        r = dict(r)
        if r.pop("_keep_last_seen", False):
            r["last_seen"] = old_last.get(r["network_id"])
            r["size"] = old_size.get(r["network_id"])
        rows.append({"dataset": dataset, **r})
    con.execute("DELETE FROM network_lineage WHERE dataset = ?", [dataset])
    if rows:
        store.append("network_lineage", pa.Table.from_pylist(rows, schema=_LINEAGE_SCHEMA))
    if p.events:
        store.append("network_history", pa.Table.from_pylist([{"dataset": dataset, **e} for e in p.events],
                                                              schema=_HISTORY_SCHEMA))


_LINEAGE_SCHEMA = pa.schema([
    ("dataset", pa.string()), ("network_id", pa.int32()), ("status", pa.string()),
    ("first_seen", pa.timestamp("us")), ("last_seen", pa.timestamp("us")), ("size", pa.int32()),
    ("members", pa.list_(pa.string())), ("items", pa.list_(pa.string())),
])
_HISTORY_SCHEMA = pa.schema([
    ("dataset", pa.string()), ("network_id", pa.int32()), ("event", pa.string()), ("seen_at", pa.timestamp("us")),
    ("data_time", pa.timestamp("us")), ("size", pa.int32()), ("change", pa.int32()),
    ("related", pa.list_(pa.int32())), ("accounts", pa.list_(pa.string())), ("first_post", pa.timestamp("us")),
    ("last_post", pa.timestamp("us")), ("run_id", pa.string()), ("sentence", pa.string()),
])
