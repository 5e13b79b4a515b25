"""The pages: datasets, the networks list, a network, an account, the audit log."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lockstep.report import charts
from lockstep.report import data as report_data
from lockstep.report.data import load_network
from lockstep.report.html import present_evidence, scrub_view
from lockstep.serve import audit
from lockstep.share.pseudonymizer import load_accounts
from lockstep.store import Store
from lockstep.ui import lockstep_view, queries, verdicts
from lockstep.ui.deps import engine, page, pseudonymizer, render, require, settings, user
from lockstep.ui.storeview import reading
from lockstep.ui.users import User

router = APIRouter()


def _check_dataset(store: Store, dataset: str) -> None:
    """404 for a dataset the store does not hold (a dataset with networks needs no scan of posts)."""
    has_networks = store.scalar("SELECT count(*) FROM (SELECT 1 FROM networks WHERE dataset = ? LIMIT 1)", [dataset])
    if not has_networks and dataset not in store.datasets():
        raise HTTPException(404, f"The store has no dataset {dataset!r}.")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, u: User = Depends(user)) -> Response:
    with reading(settings(request).db) as store:
        names = store.datasets()
    if len(names) == 1:
        return RedirectResponse(f"/d/{quote(names[0], safe='')}/networks", status_code=303)
    return render(request, "datasets.html.j2", {"datasets": names})


def _latest(request: Request, u: User, dataset: str, kind: str) -> dict[str, dict[str, Any]]:
    return verdicts.latest(engine(request), dataset, kind, u.organisation_id)


@router.get("/d/{dataset}/networks", response_class=HTMLResponse)
def networks(request: Request, dataset: str, u: User = Depends(user)) -> Response:
    f = queries.Filters.parse(dict(request.query_params))
    latest = _latest(request, u, dataset, "network")
    counts = {v: 0 for v in verdicts.VERDICTS}
    for r in latest.values():
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1

    def build(store: Store) -> dict[str, Any]:
        _check_dataset(store, dataset)
        listing = queries.network_list(store, dataset, f, {s: r["verdict"] for s, r in latest.items()},
                                       request.app.state.search)
        pseudo = pseudonymizer(u)
        if pseudo.active and listing["rows"]:
            pseudo.know(load_accounts(store, dataset, [r["network_id"] for r in listing["rows"]]))
            listing["rows"] = pseudo.scrub_all(listing["rows"])
        return {"dataset": dataset, "filters": f, "listing": listing, "choices": queries.choices(store, dataset),
                "pseudonymized": pseudo.active,
                "posts": store.scalar("SELECT count(*) FROM posts WHERE dataset = ?", [dataset])}

    return page(request, "networks.html.j2", build, lambda _: {"latest": latest, "verdict_counts": counts})


def _graph(view: Any) -> tuple[str, dict[str, str]]:
    """Cytoscape elements (JSON, safe inside a script element) and the colour of each trace: members as
    nodes, one edge per pair and trace, weight and trace kept."""
    traces = sorted({e["trace"] for e in view.edges})
    colour = {t: charts.PALETTE[i % len(charts.PALETTE)] for i, t in enumerate(traces)}
    # node ids are positions, not account ids: the page's source must not name a hidden account
    ids = {(m["platform"], m["account_id"]): f"n{i}" for i, m in enumerate(view.members)}
    nodes = [{"data": {"id": ids[(m["platform"], m["account_id"])], "label": m["label"],
                       "sub": m.get("subcluster") or 0}} for m in view.members]
    edges = [{"data": {"source": ids[(e["platform_a"], e["account_a"])], "target": ids[(e["platform_b"], e["account_b"])],
                       "trace": e["trace"], "weight": round(float(e["weight"] or 0), 3), "colour": colour[e["trace"]]}}
             for e in view.edges]
    return json.dumps({"elements": nodes + edges}).replace("</", "<\\/"), colour


@router.get("/d/{dataset}/networks/{network_id}", response_class=HTMLResponse)
def network(request: Request, dataset: str, network_id: int, u: User = Depends(user)) -> Response:
    history = verdicts.history(engine(request), dataset, "network", str(network_id), u.organisation_id)

    def build(store: Store) -> dict[str, Any]:
        row = queries.network_row(store, dataset, network_id)
        if row is None:
            raise HTTPException(404, f"Dataset {dataset!r} has no network {network_id}.")
        pseudo = pseudonymizer(u)
        if pseudo.active:
            pseudo.know(load_accounts(store, dataset, [network_id]))
        view = load_network(store, dataset, row, pseudo)
        scrub_view(view, pseudo)
        present_evidence(view, pseudo)
        fp = verdicts.members_fingerprint(store, dataset, network_id)
        labels = {(m["platform"], m["account_id"]): m["label"] for m in view.members}
        rows = queries.lockstep_rows(store, dataset, network_id)

        def label(p: str, a: str) -> str:
            return labels.get((p, a)) or pseudo.name(p, a)

        items = lockstep_view.summarize(rows)
        for it in items:
            it["shown"] = pseudo.item(it["trace"], str(it["item"]))
        graph, graph_traces = _graph(view)
        sigs = queries.member_signals(store, dataset, network_id)
        for m in view.members:
            m["flags"] = pseudo.scrub_all(sigs.get((m["platform"], m["account_id"]), []))
        return {
            "dataset": dataset, "view": view, "pseudonymized": pseudo.active, "fingerprint": fp,
            "lockstep_svg": lockstep_view.svg(rows, label, lambda t, i: pseudo.item(t, str(i))),
            "items": items, "graph": graph, "graph_traces": graph_traces,
            "pivots": pseudo.scrub_all(queries.pivots(store, dataset, network_id)),
            "lineage": pseudo.scrub_all(queries.history(store, dataset, network_id)),
            "subject": str(network_id), "kind": "network",
        }

    return page(request, "network.html.j2", build, lambda ctx: {
        "history": history, "current": verdicts.current(history_latest(history), ctx["fingerprint"])})


CHARTS = {"heatmap": "Posts by hour (UTC) and weekday", "timeline": "Posts per day by the members",
          "creation": "When the members' accounts were created"}


@router.get("/d/{dataset}/networks/{network_id}/charts/{name}", response_class=HTMLResponse)
def chart(request: Request, dataset: str, network_id: int, name: str, u: User = Depends(user)) -> Response:
    """One chart of a network page (matplotlib, the report's charts), fetched by the page after it
    shows: drawing all of them would keep the page itself waiting."""
    if name not in CHARTS:
        raise HTTPException(404, f"No chart {name!r}; charts are {', '.join(CHARTS)}.")

    def build(store: Store) -> dict[str, Any]:
        row = queries.network_row(store, dataset, network_id)
        if row is None:
            raise HTTPException(404, f"Dataset {dataset!r} has no network {network_id}.")
        if name == "creation":
            svg = charts.creation_histogram(report_data.creation_dates(store, dataset, network_id))
        else:
            report_data.member_posts(store, dataset, network_id)
            svg = (charts.hour_weekday_heatmap(report_data.hour_weekday(store), row.get("utc_offset_hours"))
                   if name == "heatmap" else charts.daily_timeline(report_data.daily_counts(store)))
        return {"svg": svg, "name": name, "caption": CHARTS[name], "row": row}

    return page(request, "chart.html.j2", build)


@router.get("/d/{dataset}/networks/{network_id}/pivots", response_class=HTMLResponse)
def topic_pivots(request: Request, dataset: str, network_id: int, u: User = Depends(user)) -> Response:
    """When the network's topic mix changed (`lockstep pivots`, computed over the whole dataset, so
    fetched after the page shows); empty without topics (`lockstep narratives`)."""

    def build(store: Store) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        if store.has_table("topics") and store.scalar("SELECT count(*) FROM topics WHERE dataset = ?", [dataset]):
            from lockstep.narratives.pivots import find_pivots

            found = [p for p in find_pivots(store, dataset) if int(p["network_id"]) == network_id]
        pseudo = pseudonymizer(u)
        if pseudo.active and found:
            pseudo.know(load_accounts(store, dataset, [network_id]))
            found = pseudo.scrub_all(found)
        return {"pivots": found}

    return page(request, "pivots.html.j2", build)


def history_latest(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest verdict of a history (newest first), notes skipped."""
    return next((h for h in history if h["verdict"] != verdicts.NOTE), None)


@router.get("/d/{dataset}/accounts/{platform}/{account_id:path}", response_class=HTMLResponse)
def account(request: Request, dataset: str, platform: str, account_id: str, page_no: int = 1,
            u: User = Depends(user)) -> Response:
    subject = f"{platform}:{account_id}"
    history = verdicts.history(engine(request), dataset, "account", subject, u.organisation_id)

    def build(store: Store) -> dict[str, Any]:
        data = queries.account(store, dataset, platform, account_id, page_no)
        if data is None:
            raise HTTPException(404, f"Dataset {dataset!r} has no account {subject!r}.")
        pseudo = pseudonymizer(u)
        name = account_id
        if pseudo.active:
            pseudo.know(load_accounts(store, dataset, [n["network_id"] for n in data["networks"]] or None))
            prof = data["profile"]
            name = pseudo.label(platform, account_id, prof.get("handle"), prof.get("followers"), prof.get("verified"))
            if name != (prof.get("handle") or account_id):
                for k in ("handle", "display_name", "bio", "account_id", "avatar_hash", "location"):
                    if prof.get(k):
                        prof[k] = name if k in ("handle", "account_id") else "(hidden)"
            data = pseudo.scrub_all(data)
            for p in data["posts"]:
                p["post_id"] = pseudo.post(p["post_id"])
        return {"dataset": dataset, "a": data, "name": name, "pseudonymized": pseudo.active, "subject": subject,
                "kind": "account", "platform": platform, "account_id": account_id}

    return page(request, "account.html.j2", build, lambda _: {
        "history": history, "current": verdicts.current(history_latest(history), None)})


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, u: User = Depends(user)) -> Response:
    """The organisation's audit entries (analysts and admins)."""
    require(u, "analyst")
    rows = audit.entries(engine(request), limit=200, organisation=u.organisation)
    return render(request, "audit.html.j2", {"entries": rows})
