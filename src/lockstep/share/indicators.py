"""What a network is known by: its accounts, and the domains, URLs and texts it pushes.

Accounts are the network's members. Domains, URLs and texts become indicators only where the
network *owns* them: at least ``min_accounts`` members posted the item, and the members' posts
make up at least ``min_share`` of all posts with that item in the dataset. That keeps popular
items (a news site everybody links, "good morning") out of the indicators, so a partner who
matches them does not flag half their platform. All of it runs as set queries in DuckDB, for
every exported network at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from lockstep.ingest.normalize import ascii_fingerprints, normalize_handle, normalize_text, text_fingerprint
from lockstep.store import Store


@dataclass(frozen=True, slots=True)
class NetworkIndicator:
    """One indicator of one network. ``value`` is raw here; pseudonymization happens at export."""

    network_id: int
    type: str  # account | account_id | domain | url | text_fingerprint
    value: str
    platform: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    count: int
    accounts: int


def _select(store: Store, dataset: str, network_ids: list[int]) -> None:
    store.con.execute("CREATE OR REPLACE TEMP TABLE _x_nets (network_id INTEGER)")
    store.con.register("_x_ids", pa.table({"network_id": pa.array(network_ids, pa.int32())}))
    store.con.execute("INSERT INTO _x_nets SELECT network_id FROM _x_ids")
    store.con.unregister("_x_ids")
    store.con.execute(
        """CREATE OR REPLACE TEMP TABLE _x_members AS
           SELECT DISTINCT m.network_id, m.platform, m.account_id FROM members m
           JOIN _x_nets n USING (network_id) WHERE m.dataset = ?""",
        [dataset],
    )
    store.con.execute(
        """CREATE OR REPLACE TEMP TABLE _x_posts AS
           SELECT m.network_id, p.platform, p.account_id, p.post_id, p.time, p.text, p.urls, p.domains
           FROM posts p JOIN _x_members m ON p.platform = m.platform AND p.account_id = m.account_id
           WHERE p.dataset = ?""",
        [dataset],
    )


def network_indicators(store: Store, dataset: str, network_ids: list[int], *, min_accounts: int = 2,
                       min_share: float = 0.5, min_text_chars: int = 20,
                       max_per_type: int = 500) -> list[NetworkIndicator]:
    """Indicators of the given networks, ordered by network, type and value."""
    if not network_ids:
        return []
    _select(store, dataset, network_ids)
    out: list[NetworkIndicator] = []
    accounts = store.rows(
        """SELECT m.network_id, m.platform, m.account_id,
                  coalesce(any_value(a.handle), arg_max(p.handle, p.time)) AS handle,
                  min(p.time), max(p.time), count(p.post_id)
           FROM _x_members m
           LEFT JOIN accounts a ON a.dataset = ? AND a.platform = m.platform AND a.account_id = m.account_id
           LEFT JOIN posts p ON p.dataset = ? AND p.platform = m.platform AND p.account_id = m.account_id
           GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        [dataset, dataset],
    )
    for net, platform, acc, handle, first, last, n in accounts:
        out.append(NetworkIndicator(net, "account_id", acc, platform, first, last, int(n), 1))
        if handle:
            out.append(NetworkIndicator(net, "account", normalize_handle(handle), platform,
                                        first, last, int(n), 1))
    for kind, column in (("domain", "domains"), ("url", "urls")):
        rows = store.rows(
            f"""WITH item AS (
                  SELECT network_id, platform, account_id, time, unnest({column}) AS value FROM _x_posts),
                per AS (
                  SELECT network_id, value, count(*) AS n,
                         count(DISTINCT platform || chr(31) || account_id) AS accts,
                         min(time) AS first, max(time) AS last
                  FROM item GROUP BY 1, 2 HAVING count(DISTINCT platform || chr(31) || account_id) >= ?),
                total AS (
                  SELECT value, count(*) AS total FROM (
                    SELECT unnest({column}) AS value FROM posts WHERE dataset = ?)
                  WHERE value IN (SELECT value FROM per) GROUP BY 1),
                ranked AS (
                  SELECT per.*, row_number() OVER (PARTITION BY network_id ORDER BY n DESC, value) AS rk
                  FROM per JOIN total USING (value) WHERE per.n >= ? * total.total)
                SELECT network_id, value, first, last, n, accts FROM ranked WHERE rk <= ?
                ORDER BY 1, 2""",
            [min_accounts, dataset, min_share, max_per_type],
        )
        out.extend(NetworkIndicator(r[0], kind, r[1], None, r[2], r[3], int(r[4]), int(r[5])) for r in rows)
    out.extend(_texts(store, dataset, min_accounts, min_share, min_text_chars, max_per_type))
    out.sort(key=lambda i: (i.network_id, i.type, i.value))
    return out


def _texts(store: Store, dataset: str, min_accounts: int, min_share: float, min_chars: int,
           max_per_type: int) -> list[NetworkIndicator]:
    """Texts a network posted from several accounts and (nearly) alone, grouped on their
    ``text_fingerprint`` (so texts differing only in case, spacing or links fall together). The
    fingerprints are computed set-based (``normalize.ascii_fingerprints``; Python only for non-ASCII
    texts, once per distinct text); Python then looks only at the candidate groups."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE _x_texts AS SELECT network_id, platform, account_id, time, text "
                "FROM _x_posts WHERE text IS NOT NULL AND length(text) >= ?", [min_chars])
    wide = [r[0] for r in store.rows("SELECT DISTINCT text FROM _x_texts WHERE strlen(text) <> length(text)")]
    con.register("_x_pyfp_arrow", pa.table({"text": pa.array(wide, pa.string()),
                                            "fp": pa.array([text_fingerprint(t) for t in wide], pa.string())}))
    keep = "network_id, platform, account_id, time, text"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _x_fp AS
                    {ascii_fingerprints("_x_texts", keep)}
                    UNION ALL SELECT {keep}, f.fp FROM _x_texts JOIN _x_pyfp_arrow f USING (text)""")
    con.unregister("_x_pyfp_arrow")
    rows = store.rows(
        """WITH cand AS (
             SELECT network_id, fp FROM _x_fp GROUP BY 1, 2
             HAVING count(DISTINCT platform || chr(31) || account_id) >= ?),
           grp AS (
             SELECT network_id, fp, count(*) AS n, min(time) AS first, max(time) AS last,
                    count(DISTINCT platform || chr(31) || account_id) AS accts, list(DISTINCT text) AS texts
             FROM _x_fp JOIN cand USING (network_id, fp) GROUP BY 1, 2),
           total AS (
             SELECT text, count(*) AS total FROM posts WHERE dataset = ?
             AND text IN (SELECT unnest(texts) FROM grp) GROUP BY 1)
           SELECT g.network_id, g.fp, g.n, g.first, g.last, g.accts, g.texts[1],
                  (SELECT sum(t.total) FROM total t WHERE list_contains(g.texts, t.text)) AS total
           FROM grp g ORDER BY g.network_id, g.n DESC, g.fp""",
        [min_accounts, dataset],
    )
    out: list[NetworkIndicator] = []
    per_net: dict[int, int] = {}
    for net, fp, n, first, last, accts, sample, total in rows:
        if n < min_share * (total or n) or len(normalize_text(sample)) < min_chars:
            continue
        if per_net.get(net, 0) >= max_per_type:
            continue
        per_net[net] = per_net.get(net, 0) + 1
        out.append(NetworkIndicator(net, "text_fingerprint", fp, None, first, last, int(n), int(accts)))
    return out
