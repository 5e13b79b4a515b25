"""Findings as files other tools open: GEXF for Gephi, and plain CSV tables.

GEXF keeps one edge per (account pair, trace), so Gephi can filter or colour by behaviour; each
edge carries its weight, count and p-value, each node its network, score, platform and the
signals flagged for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from lockstep.report.escape import write_csv, xml_text
from lockstep.share.pseudonymizer import Pseudonymizer, load_accounts
from lockstep.store import Store

CSV_TABLES = {
    "networks": "SELECT * EXCLUDE (dataset) FROM networks WHERE dataset = ? ORDER BY score DESC, network_id",
    "members": "SELECT * EXCLUDE (dataset) FROM members WHERE dataset = ? ORDER BY network_id, score DESC",
    "edges": "SELECT * EXCLUDE (dataset) FROM edges WHERE dataset = ? ORDER BY trace, weight DESC",
    "evidence": "SELECT * EXCLUDE (dataset) FROM evidence WHERE dataset = ? ORDER BY network_id, trace, time",
}


def build_graph(store: Store, dataset: str, pseudo: Pseudonymizer | None = None,
                only_networks: bool = True) -> nx.MultiGraph:
    """The multiplex graph of significant edges with node and edge attributes."""
    pseudo = pseudo or Pseudonymizer()
    if pseudo.active:
        pseudo.know(load_accounts(store, dataset))
    g = nx.MultiGraph(name=f"lockstep:{dataset}")
    nodes = store.rows(
        """
        SELECT m.platform, m.account_id, m.network_id, m.score, m.subcluster, a.handle, a.followers, a.verified,
               (SELECT string_agg(s.signal, ',' ORDER BY s.signal) FROM account_signals s
                 WHERE s.dataset = m.dataset AND s.platform = m.platform AND s.account_id = m.account_id
                   AND s.flagged) AS signals
        FROM members m LEFT JOIN accounts a
          ON a.dataset = m.dataset AND a.platform = m.platform AND a.account_id = m.account_id
        WHERE m.dataset = ?
        """,
        [dataset],
    )
    ids: dict[tuple[str, str], str] = {}
    for platform, account_id, network, score, sub, handle, followers, verified, signals in nodes:
        # Strings from the data pass xml_text: one control character would make the file unreadable.
        label = xml_text(pseudo.label(platform, account_id, handle, followers, verified))
        if pseudo.active and label.startswith("acct-"):
            label = xml_text(pseudo.name(platform, account_id))
        node = xml_text(f"{platform}:{label}" if pseudo.active else f"{platform}:{account_id}")
        ids[(platform, account_id)] = node
        g.add_node(node, label=label, platform=xml_text(platform), network=int(network),
                   score=float(score or 0), subcluster=int(sub or 0), signals=signals or "")
    for trace, pa_, a, pb, b, weight, count, p in store.rows(
        "SELECT trace, platform_a, account_a, platform_b, account_b, weight, count, p_value FROM edges "
        "WHERE dataset = ?", [dataset]
    ):
        u, v = ids.get((pa_, a)), ids.get((pb, b))
        if u is None or v is None:
            if only_networks:
                continue
            u = u or xml_text(f"{pa_}:{pseudo.name(pa_, a)}")
            v = v or xml_text(f"{pb}:{pseudo.name(pb, b)}")
        g.add_edge(u, v, key=trace, trace=trace, label=trace, weight=float(weight or 0),
                   count=int(count or 0), p_value=float(p if p is not None else 1.0))
    return g


def write_gexf(store: Store, dataset: str, out: Path, pseudo: Pseudonymizer | None = None) -> tuple[int, int]:
    g = build_graph(store, dataset, pseudo)
    nx.write_gexf(g, out)
    return g.number_of_nodes(), g.number_of_edges()


def write_csv_tables(store: Store, dataset: str, out_dir: Path,
                     pseudo: Pseudonymizer | None = None) -> dict[str, int]:
    """networks.csv, members.csv, edges.csv and evidence.csv in ``out_dir``; returns row counts.

    With an active ``pseudo``, account ids become pseudonyms, post ids keyed hashes, and every other
    text cell is scrubbed of hidden accounts' identifiers (the same path as the report)."""
    pseudo = pseudo or Pseudonymizer()
    if pseudo.active:
        pseudo.know(load_accounts(store, dataset))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, sql in CSV_TABLES.items():
        cur = store.con.execute(sql, [dataset])
        header = [d[0] for d in cur.description]
        rows: list[Any] = cur.fetchall()
        if pseudo.active:
            rows = [_pseudonymized(pseudo, header, r) for r in rows]
        with open(out_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            counts[name] = write_csv(fh, header, rows)
    return counts


def _pseudonymized(pseudo: Pseudonymizer, header: list[str], row: tuple[Any, ...]) -> list[Any]:
    r = dict(zip(header, row, strict=True))
    out: list[Any] = []
    for col, v in r.items():
        if v is None:
            out.append(v)
        elif col in ("account_id", "account_a", "account_b"):
            platform = r.get({"account_a": "platform_a", "account_b": "platform_b"}.get(col, "platform"))
            out.append(pseudo.name(str(platform), str(v)))
        elif col == "post_id":
            out.append(pseudo.post(str(v)))
        elif col == "evidence_ids":  # platform:post_id
            out.append([f"{p}:{pseudo.post(i)}" for p, _, i in (str(x).partition(":") for x in v)])
        elif col == "item":
            out.append(pseudo.item(str(r.get("trace")), str(v)))
        else:
            out.append(pseudo.scrub_all(v))
    return out
