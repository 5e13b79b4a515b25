"""``lockstep detect`` as a library call: traces -> significant edges -> networks -> evidence.

A run replaces the previous detection results of its dataset (edges, networks, members, evidence)
in one transaction and records its parameters in ``runs``, so a store always holds one coherent
answer per dataset. After writing, the account-signals stage may re-score networks
(``lockstep.signals.apply.apply_signals``), when installed.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from lockstep import __version__, registry
from lockstep.engine.factory import ACCOUNTS_VIEW, POSTS_VIEW, EngineChoice, open_engine
from lockstep.errors import ConfigError
from lockstep.networks import disclosed, lineage
from lockstep.networks.account_score import write_account_scores
from lockstep.networks.attach import ATTACHED, Attachment, attach_accounts, with_attachments
from lockstep.networks.cluster import leiden, subclusters
from lockstep.networks.explain import evidence_rows, outside_usage, why_flagged
from lockstep.networks.graph import build_graph
from lockstep.networks.score import NetworkFigures, coordination_score, member_scores
from lockstep.store import Store
from lockstep.traces.run import run_traces

log = logging.getLogger(__name__)

#: Traces run when none are named. ``sim_hashtag`` is left out: fan and city communities sharing
#: a team's or city's tags for weeks fool it (opt in with ``--traces``; see docs/detection.md).
DEFAULT_TRACES = ("co_repost", "co_link", "co_domain", "co_text", "co_hashtag", "co_reply", "co_mention",
                  "co_image", "sync", "sim_domain", "sim_link", "sim_repost", "sim_mention", "sim_reply")
#: Why ``detect --posts`` (posts read from Parquet) runs no account signals.
SIGNALS_SKIPPED_LAKE = ("skipped: the posts were read from Parquet (--posts) and the account signals read the "
                        "store's posts; ingest the posts into the store and run `lockstep signals --refresh` to add them")
_EXTRA_EDGE_COLUMNS = {"expected": "DOUBLE", "window_s": "DOUBLE", "evidence_items": "VARCHAR[]"}


@dataclass
class DetectOptions:
    traces: list[str] = field(default_factory=lambda: list(DEFAULT_TRACES))
    #: trace -> window ("60s", "5m", "auto"); "*" applies to every trace not named.
    windows: dict[str, str] = field(default_factory=dict)
    min_items: int | None = None
    #: trace -> minimum distinct shared items, before ``min_items`` (``lockstep follow --min-items``
    #: sets it for the shared-item traces only)
    min_items_by_trace: dict[str, int] = field(default_factory=dict)
    fdr: float = 0.01
    min_size: int = 3
    resolution: float = 1.0
    seed: int = 0
    signals: bool = True
    #: Set aside networks of openly disclosed automation (``lockstep.networks.disclosed``).
    set_aside_disclosed: bool = True
    #: DuckDB's memory cap during detection (joins spill to disk beyond it).
    memory_limit: str | None = "3GB"
    #: Only posts at or after this time (ISO 8601, UTC): the sliding window of ``lockstep follow``.
    since: str | None = None
    #: The engine (``--engine``, ``--spark-master``, ``--spark-conf``, ``--posts``); ``None``:
    #: DuckDB with ``memory_limit``.
    engine: EngineChoice | None = None
    #: Also write edges, networks, members and evidence as Parquet under this folder or URI
    #: (Spark only; ``out/edges/dataset=NAME/...``).
    results: str | None = None
    #: Attach accounts sharing at least this many items of one kind with a network as a whole
    #: (``lockstep.networks.attach``); 0 turns attachment off.
    attach_min_shared: int = 5

    def engine_choice(self) -> EngineChoice:
        return self.engine or EngineChoice(memory_limit=self.memory_limit)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "engine"}
        out.update(self.engine_choice().as_dict())
        return out


def make_detectors(opts: DetectOptions) -> list[Any]:
    out = []
    unknown = [w for w in opts.windows if w != "*" and w not in opts.traces]
    if unknown:
        raise ConfigError(f"--window names trace(s) {', '.join(unknown)} that are not run "
                          f"(running: {', '.join(opts.traces)}).")
    for name in opts.traces:
        cls = registry.get("lockstep.detectors", name)
        kwargs: dict[str, Any] = {}
        window = opts.windows.get(name, opts.windows.get("*"))
        if getattr(cls, "time_free", False):
            # Time-free traces compare whole periods: a global --window does not apply to them.
            if name in opts.windows:
                raise ConfigError(f"--window {name}={opts.windows[name]}: {name} is time-free and has no "
                                  "window; it compares accounts over the whole dataset.")
            window = None
        if window:
            kwargs["window"] = window
        if name in opts.min_items_by_trace:
            kwargs["min_items"] = opts.min_items_by_trace[name]
        elif opts.min_items is not None:
            kwargs["min_items"] = opts.min_items
        out.append(cls(**kwargs))
    return out


def run_detection(store: Store, dataset: str, opts: DetectOptions,
                  on_step: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every step and write the results; returns the summary printed by the CLI."""
    started = datetime.now(UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    detectors = make_detectors(opts)
    choice = opts.engine_choice()
    if opts.results and choice.name != "spark":
        raise ConfigError("--results writes Parquet through Spark: add --engine spark.")
    with open_engine(choice, store, dataset, since=opts.since) as engine:
        edges, reports, account_evidence = run_traces(engine, POSTS_VIEW, detectors, fdr=opts.fdr,
                                    on_trace=(lambda n: on_step(f"trace {n}")) if on_step else None)
        t_traces = time.perf_counter()
        if on_step:
            on_step("networks")
        attached: list[Attachment] = []
        networks, members, evidence, _, set_aside = build_networks(engine, edges, opts, accounts=ACCOUNTS_VIEW,
                                                                   attached=attached)
        account_evidence = with_attachments(account_evidence, attached, n_networks=networks.num_rows)
        data_time = engine.sql(f"SELECT max(time) AS t FROM {POSTS_VIEW}").column("t")[0].as_py()
        # Posts read from Parquet (--posts) are not in the store: count their accounts where they are.
        lake_accounts = engine.sql(
            f"SELECT COUNT(*) AS n FROM (SELECT DISTINCT platform, account_id FROM {POSTS_VIEW}) a"
        ).column("n")[0].as_py() if choice.posts else None
        if opts.results:
            from lockstep.engine.parquet import write_results

            write_results(engine.spark, opts.results, dataset,  # type: ignore[attr-defined]
                          {"edges": edges, "networks": networks, "members": members, "evidence": evidence,
                           "set_aside": set_aside})
    run_id = uuid.uuid4().hex
    # Durable ids: this run's networks are matched to the dataset's earlier ones (networks.lineage).
    ids = lineage.plan(lineage.seen_from(members, evidence), lineage.known_from(store, dataset), at=started,
                       data_time=data_time, run_id=run_id)
    networks, members, evidence = (lineage.remap(t, ids.mapping) for t in (networks, members, evidence))
    _write(store, dataset, run_id, started, opts, edges, networks, members, evidence, set_aside, ids)
    t_networks = time.perf_counter()
    signals_note = None
    if opts.signals and choice.posts:
        # The account signals read the store's posts; these posts live only in the lake.
        signals_note = SIGNALS_SKIPPED_LAKE
        log.info("account signals %s", SIGNALS_SKIPPED_LAKE)
    elif opts.signals:
        if on_step:
            on_step("signals")
        signals_note = _apply_signals(store, dataset)
    scored_accounts = write_account_scores(store, dataset, account_evidence,
                                           use_signals=opts.signals and not choice.posts)
    steps = {"traces": round(t_traces - t0, 2), "networks": round(t_networks - t_traces, 2),
             "signals": round(time.perf_counter() - t_networks, 2)}
    n_accounts = lake_accounts if lake_accounts is not None else store.scalar(
        "SELECT COUNT(DISTINCT platform || '/' || account_id) FROM posts WHERE dataset = ?", [dataset])
    return {
        "dataset": dataset, "run_id": run_id, "seconds": round(time.perf_counter() - t0, 2),
        "accounts": int(n_accounts or 0), "edges": edges.num_rows, "networks": networks.num_rows,
        "flagged_accounts": members.num_rows, "scored_accounts": scored_accounts,
        "accounts_with_evidence": int((account_evidence["evidence"] > 0).sum()) if len(account_evidence) else 0, "evidence_rows": evidence.num_rows,
        "set_aside_networks": len(set(set_aside.column("group_id").to_pylist())),
        "set_aside_accounts": set_aside.num_rows,
        "step_seconds": steps,
        "traces": [r.as_dict() for r in reports], "params": opts.as_dict(), "signals": signals_note,
    }


def build_networks(engine: Any, edges: pa.Table, opts: DetectOptions, *, accounts: str | None = None,
                   attached: list[Attachment] | None = None) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table, pa.Table]:
    """Cluster, score and explain. Returns (networks, members, evidence, internal edges, set aside).

    Networks of openly disclosed automation (``lockstep.networks.disclosed``; needs the dataset's
    ``accounts`` table or view for the profiles) are not flagged but returned as ``set aside`` rows,
    one per member, with the reason; their edges are left out of ``internal``."""
    cg = build_graph(edges)
    membership = leiden(cg.graph, resolution=opts.resolution, seed=opts.seed)
    sizes = np.bincount(membership) if len(membership) else np.zeros(0, dtype=np.int64)
    layers = cg.layers.copy()
    if len(layers):
        layers["window_s"] = edges.column("window_s").to_numpy()
        layers["row"] = np.arange(len(layers))
        ca, cb = membership[layers["a"].to_numpy()], membership[layers["b"].to_numpy()]
        keep = (ca == cb) & (sizes[ca] >= opts.min_size)
        layers = layers[keep].assign(comm=ca[keep])
    comms = sorted(set(layers["comm"])) if len(layers) else []
    # Per community: figures, then network ids by descending score (ties: smallest account first).
    prelim = []
    for c in comms:
        lay = layers[layers["comm"] == c]
        nodes = np.flatnonzero(membership == c)
        strength = np.zeros(len(cg.accounts))
        np.add.at(strength, lay["a"].to_numpy(), lay["weight"].to_numpy())
        np.add.at(strength, lay["b"].to_numpy(), lay["weight"].to_numpy())
        prelim.append((c, nodes, lay, strength[nodes]))
    internal = edges.take(pa.array(layers["row"].to_numpy() if len(layers) else np.zeros(0, np.int64)))
    comm_to_tmp = {c: i for i, c in enumerate(comms)}
    internal = internal.append_column("network_id", pa.array(
        [comm_to_tmp[c] for c in layers["comm"]] if len(layers) else [], pa.int32()))
    ev = evidence_rows(engine, POSTS_VIEW, internal).to_pandas()
    aside_reasons = disclosed.assess(
        engine, POSTS_VIEW, accounts, ev,
        {comm_to_tmp[c]: [cg.accounts[n] for n in nodes] for c, nodes, _, _ in prelim},
        core={comm_to_tmp[c]: [cg.accounts[n] for n in disclosed.core_nodes(nodes, lay)]
              for c, nodes, lay, _ in prelim},
    ) if opts.set_aside_disclosed else {}
    # Time-free traces say how rare the shared items are outside the network (explain.outside_usage).
    usage = outside_usage(engine, POSTS_VIEW, ev,
                          {comm_to_tmp[c]: [cg.accounts[n] for n in nodes] for c, nodes, _, _ in prelim})
    scored: list[tuple[Any, ...]] = []
    aside: list[tuple[Any, ...]] = []  # networks of disclosed automation
    for c, nodes, lay, strength in prelim:
        tmp = comm_to_tmp[c]
        ev_c = ev[ev["network_id"] == tmp]
        first = ev_c["time"].min() if len(ev_c) else None
        last = ev_c["time"].max() if len(ev_c) else None
        span = (last - first).total_seconds() / 86400 if first is not None else 0.0
        fig = NetworkFigures(size=len(nodes), edges=len(lay[["a", "b"]].drop_duplicates()),
                             strength=float(strength.sum() / 2), traces=lay["trace"].nunique(), span_days=span)
        score = coordination_score(fig)
        first_acc = min(cg.accounts[n] for n in nodes)
        (aside if tmp in aside_reasons else scored).append(
            (-score, first_acc, c, nodes, lay, strength, fig, score, first, last, ev_c))
    scored.sort(key=lambda r: (r[0], r[1]))
    aside.sort(key=lambda r: (r[0], r[1]))
    aside_rows = []  # set-aside groups, numbered like networks (by score), one row per member
    for gid, (_, _, c, nodes, lay, _, fig, *_) in enumerate(aside, start=1):
        traces = sorted(lay["trace"].unique().tolist())
        for plat, acc in sorted(cg.accounts[n] for n in nodes):
            aside_rows.append({"group_id": gid, "platform": plat, "account_id": acc,
                               "reason": aside_reasons[comm_to_tmp[c]], "traces": traces, "edge_count": fig.edges})
    net_rows, mem_rows, ev_frames = [], [], []
    remap = {}
    for nid, (_, _, c, nodes, lay, strength, fig, score, first, last, ev_c) in enumerate(scored, start=1):
        remap[comm_to_tmp[c]] = nid
        sub = subclusters(cg.graph, nodes.tolist(), seed=opts.seed)
        degree = {int(n): 0 for n in nodes}
        for a, b in lay[["a", "b"]].drop_duplicates().itertuples(index=False):
            degree[int(a)] += 1
            degree[int(b)] += 1
        net_rows.append({
            "network_id": nid, "size": fig.size, "score": score, "coordination_score": score,
            "traces": sorted(lay["trace"].unique().tolist()), "edge_count": fig.edges,
            "density": fig.density, "first_activity": first, "last_activity": last,
            "why": why_flagged(lay, ev_c, usage.get(comm_to_tmp[c])),
        })
        for n, s_m, sc, sc_sub in zip(nodes, strength, member_scores(score, strength.tolist()), sub, strict=True):
            plat, acc = cg.accounts[n]
            mem_rows.append({"network_id": nid, "platform": plat, "account_id": acc, "score": sc,
                             "subcluster": int(sc_sub) + 1, "degree": degree[int(n)], "_strength": s_m})
        ev_frames.append(ev_c.assign(network_id=nid))
    if opts.attach_min_shared > 0 and net_rows:
        found = _attach(engine, opts, net_rows, mem_rows, ev_frames, edges)
        if attached is not None:
            attached.extend(found)
    networks = pa.Table.from_pylist(net_rows, schema=_NETWORK_SCHEMA)
    members = pa.Table.from_pylist([{k: v for k, v in r.items() if not k.startswith("_")} for r in mem_rows],
                                   schema=_MEMBER_SCHEMA)
    evidence = (pa.Table.from_pandas(pd.concat(ev_frames), schema=_EVIDENCE_SCHEMA, preserve_index=False)
                if ev_frames else _EVIDENCE_SCHEMA.empty_table())
    kept = pa.array([i in remap for i in internal.column("network_id").to_pylist()], pa.bool_())
    internal = internal.filter(kept)
    internal = internal.set_column(internal.schema.get_field_index("network_id"), "network_id",
                                   pa.array([remap[i] for i in internal.column("network_id").to_pylist()], pa.int32()))
    return networks, members, evidence, internal, pa.Table.from_pylist(aside_rows, schema=_SET_ASIDE_SCHEMA)


def _attach(engine: Any, opts: DetectOptions, net_rows: list[dict[str, Any]], mem_rows: list[dict[str, Any]],
            ev_frames: list[pd.DataFrame], edges: pa.Table) -> list[Attachment]:
    """Grow the networks with the accounts :func:`attach_accounts` finds: members with no pair
    edge (degree 0, subcluster 0), scored like the network's weakest pair-linked member, with
    their shared items as evidence and one more sentence in the network's why. Then the accounts
    outside every network with a significant pair edge to an attached account follow it
    (:func:`_partners`)."""
    groups: dict[int, list[tuple[str, str]]] = {}
    for m in mem_rows:
        groups.setdefault(int(m["network_id"]), []).append((m["platform"], m["account_id"]))
    found = attach_accounts(engine, POSTS_VIEW, groups, fdr=opts.fdr, min_shared=opts.attach_min_shared)
    if not found:
        return found
    weakest: dict[int, float] = {}
    for m in mem_rows:
        nid = int(m["network_id"])
        weakest[nid] = min(weakest.get(nid, m["score"]), m["score"])
    for a in found:
        mem_rows.append({"network_id": a.network, "platform": a.platform, "account_id": a.account_id,
                         "score": weakest[a.network], "subcluster": 0, "degree": 0, "_strength": 0.0})
    ev_frames.append(pd.DataFrame(
        [{"network_id": a.network, "trace": ATTACHED, "item": item, "platform": a.platform,
          "account_id": a.account_id, "post_id": post_id, "time": time}
         for a in found for item, post_id, time in a.evidence],
        columns=["network_id", "trace", "item", "platform", "account_id", "post_id", "time"]))
    by_net: dict[int, list[Any]] = {}
    for a in found:
        by_net.setdefault(a.network, []).append(a)
    for row in net_rows:
        extra = by_net.get(int(row["network_id"]))
        if not extra:
            continue
        row["size"] += len(extra)
        kinds = sorted({a.kind for a in extra})
        least = min(a.shared for a in extra)
        expected = max(a.expected for a in extra)
        q = max(a.q_value for a in extra)
        row["why"] = (f"{row['why']} {len(extra)} more account{'s' if len(extra) > 1 else ''} joined: "
                      f"each uses at least {least} of the network's {' or '.join(kinds)}, far more than chance "
                      f"gives an account (expectation at most {expected:.2g} each, q <= {q:.2g}).")
    partners = _partners(engine, edges, found, mem_rows, ev_frames)
    for row in net_rows:
        extra_p = partners.get(int(row["network_id"]))
        if not extra_p:
            continue
        n = len({acc for acc, _ in extra_p})
        row["size"] += n
        row["why"] = (f"{row['why']} {n} more account{'s' if n > 1 else ''} joined through a significant pair "
                      f"edge with an account that joined ({', '.join(sorted({t for _, t in extra_p}))}).")
    return found


def _partners(engine: Any, edges: pa.Table, found: list[Attachment], mem_rows: list[dict[str, Any]],
              ev_frames: list[pd.DataFrame]) -> dict[int, list[tuple[str, str]]]:
    """Accounts outside every network whose significant pair edge (any trace, q within the FDR)
    ties them to an attached account join that account's network, with the edge's evidence.

    Why: a pair alone is not reported (networks need ``min_size`` accounts), and that is why
    such a pair stayed out; once attachment has put one of the two into a network, the other is
    tied to the network by an edge that passed the same false-discovery control as every pair
    inside it. One step only: a partner's own partners do not follow. An account tied to
    attached accounts of several networks joins the one with the largest summed edge weight.
    Returns network id -> (account id, trace) of the accounts that joined."""
    if not found or edges.num_rows == 0:
        return {}
    net_of = {(a.platform, a.account_id): a.network for a in found}
    inside = {(str(m["platform"]), str(m["account_id"])) for m in mem_rows}
    cols = {c: edges.column(c).to_pylist() for c in ("platform_a", "account_a", "platform_b", "account_b",
                                                      "weight", "trace")}
    ties: dict[tuple[str, str], dict[int, list[int]]] = {}
    for i in range(edges.num_rows):
        a, b = (cols["platform_a"][i], cols["account_a"][i]), (cols["platform_b"][i], cols["account_b"][i])
        for joined, other in ((a, b), (b, a)):
            if joined in net_of and other not in inside:
                ties.setdefault(other, {}).setdefault(net_of[joined], []).append(i)
    if not ties:
        return {}
    weakest: dict[int, float] = {}
    for m in mem_rows:
        nid = int(m["network_id"])
        weakest[nid] = min(weakest.get(nid, m["score"]), m["score"])
    out: dict[int, list[tuple[str, str]]] = {}
    rows: list[int] = []
    nets: list[int] = []
    for (plat, acc), by_net in sorted(ties.items()):
        nid = max(sorted(by_net), key=lambda g: sum(cols["weight"][i] for i in by_net[g]))
        idx = by_net[nid]
        mem_rows.append({"network_id": nid, "platform": plat, "account_id": acc, "score": weakest[nid],
                         "subcluster": 0, "degree": len(idx), "_strength": 0.0})
        out.setdefault(nid, []).extend((acc, cols["trace"][i]) for i in idx)
        rows += idx
        nets += [nid] * len(idx)
    tied = edges.take(pa.array(rows, pa.int64())).append_column("network_id", pa.array(nets, pa.int32()))
    ev_frames.append(evidence_rows(engine, POSTS_VIEW, tied).to_pandas())
    log.info("attach: %d accounts joined through a pair edge with an attached account", len(ties))
    return out


_NETWORK_SCHEMA = pa.schema([
    ("network_id", pa.int32()), ("size", pa.int32()), ("score", pa.float64()),
    ("coordination_score", pa.float64()), ("traces", pa.list_(pa.string())), ("edge_count", pa.int64()),
    ("density", pa.float64()), ("first_activity", pa.timestamp("us")), ("last_activity", pa.timestamp("us")),
    ("why", pa.string()),
])
_MEMBER_SCHEMA = pa.schema([
    ("network_id", pa.int32()), ("platform", pa.string()), ("account_id", pa.string()), ("score", pa.float64()),
    ("subcluster", pa.int32()), ("degree", pa.int32()),
])
_SET_ASIDE_SCHEMA = pa.schema([
    ("group_id", pa.int32()), ("platform", pa.string()), ("account_id", pa.string()), ("reason", pa.string()),
    ("traces", pa.list_(pa.string())), ("edge_count", pa.int64()),
])
_EVIDENCE_SCHEMA = pa.schema([
    ("network_id", pa.int32()), ("trace", pa.string()), ("item", pa.string()), ("platform", pa.string()),
    ("account_id", pa.string()), ("post_id", pa.string()), ("time", pa.timestamp("us")),
])


def _write(store: Store, dataset: str, run_id: str, started: datetime, opts: DetectOptions,
           edges: pa.Table, networks: pa.Table, members: pa.Table, evidence: pa.Table,
           set_aside: pa.Table | None = None, ids: lineage.Plan | None = None) -> None:
    for col, typ in _EXTRA_EDGE_COLUMNS.items():
        store.con.execute(f"ALTER TABLE edges ADD COLUMN IF NOT EXISTS {col} {typ}")
    edge_cols = ["trace", "platform_a", "account_a", "platform_b", "account_b", "weight", "count", "p_value",
                 "q_value", "evidence_ids", "expected", "window_s", "evidence_items"]
    with store.transaction() as con:
        for table in ("runs", "edges", "networks", "members", "evidence", "set_aside", "account_scores"):
            con.execute(f"DELETE FROM {table} WHERE dataset = ?", [dataset])
        con.execute(
            "INSERT INTO runs (dataset, run_id, started_at, finished_at, params, lockstep_version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [dataset, run_id, started, datetime.now(UTC).replace(tzinfo=None),
             json.dumps(opts.as_dict()), __version__],
        )
        outputs: list[tuple[str, pa.Table | None]] = [
            ("edges", edges.select(edge_cols) if edges.num_rows else None),
            ("networks", networks), ("members", members), ("evidence", evidence), ("set_aside", set_aside)]
        for target, rows in outputs:
            if rows is not None and rows.num_rows:
                rows = rows.append_column("dataset", pa.array([dataset] * rows.num_rows, pa.string()))
                store.append(target, rows)
        if ids is not None:
            lineage.write(con, store, dataset, ids)
        write_network_posts(con, dataset)


def write_network_posts(con: Any, dataset: str) -> None:
    """``network_posts``: every member's posts with its network id, ordered by network, so a reader
    of one network (the report, the workspace) reads a few row groups instead of joining all the
    dataset's posts with its members (a scan that grows with the dataset: 40 ms at 1M posts)."""
    con.execute("DELETE FROM network_posts WHERE dataset = ?", [dataset])
    con.execute("""
        INSERT INTO network_posts
        SELECT m.dataset, m.network_id, p.platform, p.account_id, p.post_id, p.time, p.handle, p.text, p.client,
               p.urls, p.domains
        FROM members m JOIN posts p ON p.dataset = m.dataset AND p.platform = m.platform AND p.account_id = m.account_id
        WHERE m.dataset = ? ORDER BY m.network_id, p.time, p.post_id""", [dataset])


def _apply_signals(store: Store, dataset: str) -> str | None:
    """The account-signals hook (issue: account signals). Guarded until that stage lands."""
    try:
        from lockstep.signals.apply import apply_signals  # type: ignore[import-not-found]
    except ImportError:
        log.info("account signals not installed; networks keep their coordination scores")
        return "account signals not available"
    apply_signals(store, dataset)
    return "applied"
