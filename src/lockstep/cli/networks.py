"""``lockstep networks``, ``network ID``, ``members`` and ``scores``: what `detect` found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import (
    console,
    csv_option,
    dataset_option,
    db_option,
    json_option,
    open_store,
    print_csv,
    print_json,
    print_table,
)
from lockstep.errors import StoreError
from lockstep.signals.network import network_signal_summary
from lockstep.store import Store

_NET_COLS = ["network_id", "size", "score", "coordination_score", "signal_score", "traces", "edge_count",
             "density", "first_activity", "last_activity", "why", "utc_offset_hours", "utc_offset_confidence",
             "attribution_hint"]


def _require_run(store: Store, dataset: str) -> None:
    if not store.scalar("SELECT count(*) FROM runs WHERE dataset = ?", [dataset]):
        raise StoreError(f"No detection results for dataset {dataset!r} yet. Run 'lockstep detect' first.")


def load_networks(store: Store, dataset: str) -> list[dict[str, Any]]:
    # Best first: the ranking (coordination re-ranked by signals) is what an analyst works down.
    rows = store.query(f"SELECT {', '.join(_NET_COLS)} FROM networks WHERE dataset = ? "
                       "ORDER BY score DESC, network_id", [dataset]).to_pylist()
    members: dict[int, list[str]] = {}
    platforms: dict[int, list[str]] = {}
    for nid, plat, acc in store.rows("SELECT network_id, platform, account_id FROM members WHERE dataset = ? "
                                     "ORDER BY network_id, score DESC, platform, account_id", [dataset]):
        members.setdefault(nid, []).append(acc)
        platforms.setdefault(nid, []).append(plat)
    for r in rows:
        r["members"] = members.get(r["network_id"], [])
        r["member_platforms"] = platforms.get(r["network_id"], [])
    return rows


def load_history(store: Store, dataset: str, *, network_id: int | None = None,
                 since_s: float | None = None) -> list[dict[str, Any]]:
    """Lineage events (``network_history``, see ``lockstep.networks.lineage``), oldest first; none in a
    store written before durable ids."""
    if not store.has_table("network_history"):
        return []
    where: list[str] = ["dataset = ?"]
    params: list[Any] = [dataset]
    if network_id is not None:
        where.append("network_id = ?")
        params.append(network_id)
    if since_s is not None:
        from datetime import UTC, datetime, timedelta

        where.append("seen_at >= ?")  # stored as naive UTC, like every time in the store
        params.append(datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=since_s))
    return store.query("SELECT network_id, event, seen_at, data_time, size, change, related, first_post, last_post, "
                       f"sentence FROM network_history WHERE {' AND '.join(where)} "
                       "ORDER BY seen_at, network_id, event", params).to_pylist()


def load_set_aside(store: Store, dataset: str) -> list[dict[str, Any]]:
    """Networks of disclosed automation that `detect` set aside instead of flagging (see
    ``lockstep.networks.disclosed``); none in a store written before the table existed."""
    if not store.has_table("set_aside"):
        return []
    groups: dict[int, dict[str, Any]] = {}
    for gid, plat, acc, reason, traces, n_edges in store.rows(
            "SELECT group_id, platform, account_id, reason, traces, edge_count FROM set_aside "
            "WHERE dataset = ? ORDER BY group_id, platform, account_id", [dataset]):
        g = groups.setdefault(gid, {"group_id": gid, "size": 0, "traces": traces, "edge_count": n_edges,
                                    "reason": reason, "members": [], "member_platforms": []})
        g["size"] += 1
        g["members"].append(acc)
        g["member_platforms"].append(plat)
    return list(groups.values())


@click.command()
@dataset_option
@click.option("--set-aside", "set_aside", is_flag=True,
              help="List the networks of openly disclosed automation (e.g. an outlet's feeds) that detect "
                   "set aside instead of flagging, with the reason.")
@click.option("--changes-since", "changes_since", metavar="DURATION", default=None,
              help="List what changed in the networks in this past time instead (e.g. 24h): new, grew, shrank, "
                   "merged, split, dormant, with the time Lockstep saw it and the time of the posts behind it.")
@db_option
@json_option
@csv_option
def networks(dataset: str | None, set_aside: bool, changes_since: str | None, db: Path | None, as_json: bool,
             as_csv: bool) -> None:
    """List the networks the last `lockstep detect` found: id, size, score, traces, activity span.

    Network ids are durable: a rerun of `detect`, or `lockstep follow`, matches its networks to the earlier
    ones by shared members (or shared evidence) and keeps their ids; `--changes-since 24h` lists the changes.
    """
    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        _require_run(store, ds)
        if changes_since is not None:
            from lockstep.duration import parse_duration

            changes = load_history(store, ds, since_s=parse_duration(changes_since, what="--changes-since"))
            _print_changes(ds, changes_since, changes, as_json=as_json, as_csv=as_csv)
            return
        rows = load_networks(store, ds)
        aside = load_set_aside(store, ds)
    if set_aside:
        _print_set_aside(ds, aside, as_json=as_json, as_csv=as_csv)
        return
    if as_json:
        print_json({"dataset": ds, "networks": rows, "set_aside_networks": len(aside)})
        return
    header = ["network_id", "size", "score", "traces", "first_activity", "last_activity"]
    out = [(r["network_id"], r["size"], round(r["score"] or 0.0, 3), r["traces"], r["first_activity"],
            r["last_activity"]) for r in rows]
    if as_csv:
        print_csv([*header, "why"], [(*o, r["why"]) for o, r in zip(out, rows, strict=True)])
        return
    print_table(f"networks in {ds}", header, out)
    if aside:
        from lockstep.networks.disclosed import set_aside_line  # only when needed: it loads tldextract

        click.echo(set_aside_line(len(aside), sum(g["size"] for g in aside)))


def _print_changes(ds: str, since: str, changes: list[dict[str, Any]], *, as_json: bool, as_csv: bool) -> None:
    if as_json:
        print_json({"dataset": ds, "since": since, "changes": changes})
        return
    header = ["seen_at", "network_id", "event", "size", "change", "posts_from", "posts_to", "what"]
    out = [(c["seen_at"], c["network_id"], c["event"], c["size"], c["change"], c["first_post"], c["last_post"],
            c["sentence"]) for c in changes]
    if as_csv:
        print_csv(header, out)
    else:
        print_table(f"network changes in {ds} in the last {since}", header, out)


def _print_set_aside(ds: str, aside: list[dict[str, Any]], *, as_json: bool, as_csv: bool) -> None:
    if as_json:
        print_json({"dataset": ds, "set_aside": aside})
        return
    header = ["group_id", "size", "traces", "reason"]
    out = [(g["group_id"], g["size"], g["traces"], g["reason"]) for g in aside]
    if as_csv:
        print_csv([*header, "members"], [(*o, g["members"]) for o, g in zip(out, aside, strict=True)])
    else:
        print_table(f"networks of disclosed automation set aside in {ds}", header, out)


@click.command()
@click.argument("network_id", type=int)
@dataset_option
@click.option("--limit", default=30, show_default=True, help="Evidence rows to show (0: all).")
@db_option
@json_option
def network(network_id: int, dataset: str | None, limit: int, db: Path | None, as_json: bool) -> None:
    """Show one network: why it was flagged, its members and the evidence (who posted what, when)."""
    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        _require_run(store, ds)
        net = [r for r in load_networks(store, ds) if r["network_id"] == network_id]
        history = load_history(store, ds, network_id=network_id)
        if not net and history:  # an id that is dormant or merged now: its history is what there is
            if as_json:
                print_json({"network_id": network_id, "active": False, "history": history})
                return
            console.print(f"[bold]Network {network_id}[/] in {ds} is not active in the last run.", highlight=False)
            _print_history(history)
            return
        if not net:
            raise StoreError(f"Dataset {ds!r} has no network {network_id}. See `lockstep networks` for the ids.")
        mem = store.query("SELECT platform, account_id, score, subcluster, degree FROM members "
                          "WHERE dataset = ? AND network_id = ? ORDER BY score DESC, platform, account_id",
                          [ds, network_id]).to_pylist()
        lim = f"LIMIT {int(limit)}" if limit else ""
        # The post's own text too: a shared template or hashtag is checked by reading the posts.
        ev = store.query("SELECT e.trace, e.item, e.platform, e.account_id, e.post_id, e.time, "
                         "substr(p.text, 1, 200) AS text FROM evidence e LEFT JOIN posts p "
                         "ON p.dataset = e.dataset AND p.platform = e.platform AND p.post_id = e.post_id "
                         "WHERE e.dataset = ? AND e.network_id = ? "
                         f"ORDER BY e.trace, e.item, e.time, e.platform, e.post_id {lim}", [ds, network_id]).to_pylist()
        n_ev = store.scalar("SELECT count(*) FROM evidence WHERE dataset = ? AND network_id = ?", [ds, network_id])
        signals = []
        if store.has_table("account_signals"):
            signals = store.query(
                "SELECT s.platform, s.account_id, s.signal, s.value, s.percentile, s.sentence "
                "FROM account_signals s JOIN members m ON m.dataset = s.dataset AND m.platform = s.platform "
                "AND m.account_id = s.account_id WHERE s.dataset = ? AND m.network_id = ? AND s.flagged "
                "ORDER BY s.platform, s.account_id, s.signal", [ds, network_id]).to_pylist()
        summary = network_signal_summary(store, ds, network_id) if signals else None
    info = net[0]
    if as_json:
        print_json({**info, "active": True, "member_details": mem, "evidence": ev, "evidence_total": n_ev,
                    "signals": signals, "signal_summary": summary, "history": history})
        return
    console.print(f"[bold]Network {network_id}[/] in {ds}: {info['size']} accounts, score {info['score']:.3f}, "
                  f"traces {', '.join(info['traces'] or [])}", highlight=False)
    console.print(f"Why flagged: {info['why']}", highlight=False)
    if info.get("utc_offset_hours") is not None:
        minutes = round(info["utc_offset_hours"] * 60)
        sign = "+" if minutes >= 0 else "-"
        console.print(f"Operator clock: UTC{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d} "
                      f"(confidence {info['utc_offset_confidence']:.2f})", highlight=False)
    if info.get("attribution_hint"):
        console.print(f"Origin hint (not an attribution): {info['attribution_hint']}", highlight=False)
    print_table("members", ["platform", "account_id", "score", "subcluster", "degree"],
                [(m["platform"], m["account_id"], round(m["score"], 3), m["subcluster"], m["degree"]) for m in mem])
    print_table(f"evidence ({len(ev)} of {n_ev} rows)",
                ["trace", "item", "platform", "account_id", "post_id", "time", "post"],
                [(e["trace"], (e["item"] or "")[:60], e["platform"], e["account_id"], e["post_id"], e["time"],
                  (e["text"] or "")[:60]) for e in ev])
    if signals:
        print_table("account signals", ["platform", "account_id", "signal", "sentence"],
                    [(s["platform"], s["account_id"], s["signal"], s["sentence"]) for s in signals])
    if history:
        _print_history(history)


def _print_history(history: list[dict[str, Any]]) -> None:
    print_table("history", ["seen_at", "event", "size", "change", "posts_from", "posts_to", "what"],
                [(h["seen_at"], h["event"], h["size"], h["change"], h["first_post"], h["last_post"], h["sentence"])
                 for h in history])


@click.command()
@dataset_option
@db_option
@json_option
@csv_option
def members(dataset: str | None, db: Path | None, as_json: bool, as_csv: bool) -> None:
    """Every flagged account: platform, account_id, network_id, score."""
    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        _require_run(store, ds)
        rows = store.rows("SELECT platform, account_id, network_id, score FROM members WHERE dataset = ? "
                          "ORDER BY network_id, score DESC, platform, account_id", [ds])
    header = ["platform", "account_id", "network_id", "score"]
    if as_json:
        print_json([dict(zip(header, r, strict=True)) for r in rows])
    elif as_csv:
        print_csv(header, rows)
    else:
        print_table(f"flagged accounts in {ds}", header, [(*r[:3], round(r[3], 4)) for r in rows])


@click.command()
@dataset_option
@db_option
@json_option
@csv_option
def scores(dataset: str | None, db: Path | None, as_json: bool, as_csv: bool) -> None:
    """Every account of the dataset with its graded score, best first, networks or not.

    The score (0 to 1) grows with the account's evidence: how far its pairs' p-values fall below
    chance, summed over its partners, in every trace (see docs/detection.md, "Account scores"),
    re-ranked by its account signals. Accounts below the network threshold keep their evidence, so
    they can be sorted for review and used for PR curves; `network_id` is empty for them.
    """
    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        _require_run(store, ds)
        if store.has_table("account_scores") and store.scalar(
                "SELECT count(*) FROM account_scores WHERE dataset = ?", [ds]):
            rows = store.rows(
                "SELECT platform, account_id, score, evidence, partners, best_trace, network_id, set_aside "
                "FROM account_scores WHERE dataset = ? ORDER BY score DESC, platform, account_id", [ds])
        else:  # a store written before graded scores: network members only
            rows = store.rows(
                "WITH acc AS (SELECT DISTINCT platform, account_id FROM posts WHERE dataset = ? "
                "  UNION SELECT platform, account_id FROM accounts WHERE dataset = ?) "
                "SELECT a.platform, a.account_id, coalesce(max(m.score), 0.0) AS score, NULL, NULL, NULL, "
                "arg_max(m.network_id, m.score), FALSE FROM acc a LEFT JOIN members m ON m.dataset = ? "
                "AND m.platform = a.platform AND m.account_id = a.account_id "
                "GROUP BY a.platform, a.account_id ORDER BY score DESC, a.platform, a.account_id", [ds, ds, ds])
    header = ["platform", "account_id", "score", "evidence", "partners", "best_trace", "network_id", "set_aside"]
    if as_json:
        print_json([dict(zip(header, r, strict=True)) for r in rows])
    elif as_csv:
        print_csv(header, rows)
    else:
        print_table(f"account scores in {ds} (best 100 of {len(rows)})", header,
                    [(*r[:2], round(r[2], 4), "" if r[3] is None else round(r[3], 2), *("" if v is None else v
                                                                                     for v in r[4:]))
                     for r in rows[:100]])
