"""What the report shows, gathered from the store in one place.

Everything here is a query over the store tables that detection, signals, narratives and sharing
write; the HTML layer only formats. Optional stages (signals, narratives) are shown when their
tables hold rows for the dataset, and the report says so when they do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lockstep.errors import StoreError
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.store import Store

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass
class NetworkView:
    """One network as the report presents it."""

    row: dict[str, Any]
    members: list[dict[str, Any]]
    assets: list[dict[str, Any]]
    creation_dates: list[datetime]
    daily: list[tuple[datetime, int]]
    hour_weekday: list[list[int]]  # 7 x 24, UTC
    clients: list[tuple[str, int]]
    domains: list[dict[str, Any]]
    urls: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    narratives: list[dict[str, Any]] = field(default_factory=list)
    techniques: list[dict[str, Any]] = field(default_factory=list)

    @property
    def network_id(self) -> int:
        return int(self.row["network_id"])


def dicts(store: Store, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = store.con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def network_rows(store: Store, dataset: str, ids: list[int] | None) -> list[dict[str, Any]]:
    """Networks of the dataset, best first (optionally only ``ids``)."""
    rows = dicts(store, "SELECT * FROM networks WHERE dataset = ? ORDER BY score DESC, network_id", [dataset])
    if ids:
        wanted = set(ids)
        missing = wanted - {int(r["network_id"]) for r in rows}
        if missing:
            raise StoreError(
                f"Dataset {dataset!r} has no network(s) {sorted(missing)}. "
                "List them with `lockstep networks`."
            )
        rows = [r for r in rows if int(r["network_id"]) in wanted]
    return rows


def _members_sql() -> str:
    return """
        SELECT m.platform, m.account_id, m.score, m.subcluster, a.handle, a.display_name,
               a.followers, a.created_at, a.verified, a.category
        FROM members m LEFT JOIN accounts a
          ON a.dataset = m.dataset AND a.platform = m.platform AND a.account_id = m.account_id
        WHERE m.dataset = ? AND m.network_id = ?
        ORDER BY m.score DESC NULLS LAST, m.platform, m.account_id
    """


def prejoined(store: Store, dataset: str) -> bool:
    """Whether the dataset's last detection wrote ``network_posts`` (each network's members' posts,
    ordered by network): reading one network there costs a few row groups; stores detected before
    it existed join all the dataset's posts with the members instead (same rows, slower)."""
    return store.has_table("network_posts") and bool(store.scalar(
        "SELECT count(*) FROM (SELECT 1 FROM network_posts WHERE dataset = ? LIMIT 1)", [dataset]))


def member_posts(store: Store, dataset: str, network_id: int) -> None:
    """(Re)create the temp table ``_report_posts``: time, client, links of the network's members'
    posts, read by :func:`daily_counts`, :func:`hour_weekday` and :func:`load_network`."""
    if prejoined(store, dataset):
        sql = """SELECT platform, account_id, time, client, domains, urls FROM network_posts
                 WHERE dataset = ? AND network_id = ?"""
    else:
        sql = """SELECT p.platform, p.account_id, p.time, p.client, p.domains, p.urls FROM posts p JOIN members m
                   ON p.dataset = m.dataset AND p.platform = m.platform AND p.account_id = m.account_id
                 WHERE m.dataset = ? AND m.network_id = ?"""
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE _report_posts AS {sql}", [dataset, network_id])


def daily_counts(store: Store) -> list[tuple[datetime, int]]:
    """Posts per UTC day in ``_report_posts``."""
    return [(d, int(n)) for d, n in store.rows(
        "SELECT date_trunc('day', time) AS d, count(*) FROM _report_posts GROUP BY 1 ORDER BY 1")]


def hour_weekday(store: Store) -> list[list[int]]:
    """Posts in ``_report_posts`` by weekday (rows, Monday first) and UTC hour (columns)."""
    grid = [[0] * 24 for _ in range(7)]
    for dow, hour, n in store.rows(
        "SELECT isodow(time) - 1, hour(time), count(*) FROM _report_posts GROUP BY 1, 2"
    ):
        grid[int(dow)][int(hour)] = int(n)
    return grid


def creation_dates(store: Store, dataset: str, network_id: int) -> list[datetime]:
    """When the network's members' accounts were created (where the source says)."""
    return [r[0] for r in store.rows(
        "SELECT a.created_at FROM members m JOIN accounts a ON a.dataset = m.dataset AND a.platform = m.platform "
        "AND a.account_id = m.account_id WHERE m.dataset = ? AND m.network_id = ? AND a.created_at IS NOT NULL",
        [dataset, network_id])]


def load_network(store: Store, dataset: str, row: dict[str, Any], pseudo: Pseudonymizer) -> NetworkView:
    nid = int(row["network_id"])
    members = dicts(store, _members_sql(), [dataset, nid])
    for m in members:
        m["label"] = pseudo.label(m["platform"], m["account_id"], m.get("handle"), m.get("followers"), m.get("verified"))
    # The member posts (only the columns read below: the text column is most of a post's bytes),
    # as a temp table the other queries share.
    member_posts(store, dataset, nid)
    assets = dicts(
        store,
        """
        SELECT m.platform, count(*) AS accounts, sum(a.followers) AS followers,
               median(a.followers) AS median_followers, max(a.followers) AS max_followers,
               count(a.created_at) AS with_creation_date
        FROM members m LEFT JOIN accounts a
          ON a.dataset = m.dataset AND a.platform = m.platform AND a.account_id = m.account_id
        WHERE m.dataset = ? AND m.network_id = ? GROUP BY 1 ORDER BY 2 DESC
        """,
        [dataset, nid],
    )
    creation = [m["created_at"] for m in members if m.get("created_at") is not None]
    daily = daily_counts(store)
    grid = hour_weekday(store)
    clients = [(c or "unknown", int(n)) for c, n in store.rows(
        "SELECT client, count(*) FROM _report_posts GROUP BY 1 ORDER BY 2 DESC LIMIT 12")]
    domains = dicts(
        store,
        """
        SELECT d AS domain, count(*) AS shares, count(DISTINCT platform || ':' || account_id) AS accounts,
               min(time) AS first_seen
        FROM (SELECT unnest(domains) AS d, platform, account_id, time FROM _report_posts)
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25
        """,
        [],
    )
    urls = dicts(
        store,
        """
        SELECT u AS url, count(*) AS shares, count(DISTINCT platform || ':' || account_id) AS accounts,
               min(time) AS first_seen
        FROM (SELECT unnest(urls) AS u, platform, account_id, time FROM _report_posts)
        GROUP BY 1 HAVING count(DISTINCT platform || ':' || account_id) > 1 ORDER BY 2 DESC, 1 LIMIT 25
        """,
        [],
    )
    evidence = dicts(
        store,
        """
        SELECT trace, item, count(*) AS events, count(DISTINCT platform || ':' || account_id) AS accounts,
               min(time) AS first_time, max(time) AS last_time, list(DISTINCT platform) AS platforms
        FROM evidence WHERE dataset = ? AND network_id = ?
        GROUP BY 1, 2
        QUALIFY row_number() OVER (PARTITION BY trace ORDER BY count(DISTINCT platform || ':' || account_id) DESC,
                                   count(*) DESC, item) <= 8
        ORDER BY 1, 4 DESC, 3 DESC
        """,
        [dataset, nid],
    )
    edges = dicts(
        store,
        """
        SELECT e.trace, e.platform_a, e.account_a, e.platform_b, e.account_b, e.weight
        FROM edges e
        JOIN members a ON a.dataset = e.dataset AND a.platform = e.platform_a AND a.account_id = e.account_a
        JOIN members b ON b.dataset = e.dataset AND b.platform = e.platform_b AND b.account_id = e.account_b
        WHERE e.dataset = ? AND a.network_id = ? AND b.network_id = ?
        ORDER BY e.weight DESC LIMIT 3000
        """,
        [dataset, nid, nid],
    )
    signals = dicts(
        store,
        """
        SELECT s.signal, count(*) FILTER (WHERE s.flagged) AS flagged, count(*) AS accounts,
               any_value(s.sentence) FILTER (WHERE s.flagged) AS example
        FROM account_signals s JOIN members m
          ON s.dataset = m.dataset AND s.platform = m.platform AND s.account_id = m.account_id
        WHERE m.dataset = ? AND m.network_id = ? GROUP BY 1 ORDER BY 2 DESC
        """,
        [dataset, nid],
    )
    view = NetworkView(row=row, members=members, assets=assets, creation_dates=creation, daily=daily,
                       hour_weekday=grid, clients=clients, domains=domains, urls=urls, evidence=evidence,
                       edges=edges, signals=signals)
    view.narratives = _narratives(store, dataset, nid)
    view.techniques = _techniques(row, [s["signal"] for s in signals if s["flagged"]])
    store.con.execute("DROP TABLE IF EXISTS _report_posts")
    return view


def _narratives(store: Store, dataset: str, nid: int) -> list[dict[str, Any]]:
    """The topics this network's posts fall in (from ``lockstep narratives``), largest first, each
    with two of the network's own posts as examples; empty when narratives have not been run."""
    if not (store.has_table("post_topics") and store.has_table("topics")):
        return []
    return dicts(
        store,
        """
        SELECT t.topic_id, t.label, count(*) AS posts,
               array_slice(list(DISTINCT p.text) FILTER (WHERE p.text IS NOT NULL AND p.text <> ''), 1, 2)
                 AS examples
        FROM post_topics pt
        JOIN members m ON m.dataset = pt.dataset AND m.platform = pt.platform AND m.account_id = pt.account_id
        JOIN topics t ON t.dataset = pt.dataset AND t.topic_id = pt.topic_id
        JOIN posts p ON p.dataset = pt.dataset AND p.platform = pt.platform AND p.post_id = pt.post_id
        WHERE pt.dataset = ? AND m.network_id = ? AND pt.topic_id >= 0
        GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 5
        """,
        [dataset, nid],
    )


def _techniques(row: dict[str, Any], signals: list[str]) -> list[dict[str, Any]]:
    """DISARM techniques for the network's traces and signals (the sharing stage's mapping table)."""
    from lockstep.share.disarm import behaviour_map, technique, techniques_for

    found = techniques_for(list(row.get("traces") or []), signals, behaviour_map())
    return [
        {"id": tid, "name": technique(tid).name, "why": "; ".join(sorted({m.why for m in maps}))}
        for tid, maps in found.items()
    ]


def provenance(store: Store, dataset: str) -> dict[str, Any]:
    """Inputs (with hashes), the detection run's parameters, and the data's time window."""
    files = dicts(
        store,
        "SELECT path, sha256, adapter, records_read, posts_stored, quarantined, zone_unknown, ingested_at "
        "FROM ingested_files WHERE dataset = ? ORDER BY ingested_at",
        [dataset],
    )
    runs = dicts(store, "SELECT * FROM runs WHERE dataset = ? ORDER BY started_at DESC LIMIT 1", [dataset])
    first, last, n_posts, n_acc = store.rows(
        "SELECT min(time), max(time), count(*), count(DISTINCT platform || ':' || account_id) "
        "FROM posts WHERE dataset = ?",
        [dataset],
    )[0]
    zone_unknown = store.scalar("SELECT count(*) FROM posts WHERE dataset = ? AND NOT time_zone_known", [dataset])
    platforms = store.rows("SELECT platform, count(*) FROM posts WHERE dataset = ? GROUP BY 1 ORDER BY 2 DESC", [dataset])
    return {
        "files": files,
        "run": runs[0] if runs else None,
        "first": first,
        "last": last,
        "posts": n_posts,
        "accounts": n_acc,
        "zone_unknown": zone_unknown,
        "platforms": platforms,
    }
