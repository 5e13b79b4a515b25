"""``lockstep narratives`` and ``lockstep pivots``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lockstep.cli.common import (
    dataset_option,
    db_option,
    err_console,
    json_option,
    on_terminal,
    open_store,
    print_json,
    print_table,
)
from lockstep.config import Settings
from lockstep.narratives.budget import Plan
from lockstep.narratives.embed import BACKENDS, DEVICES
from lockstep.narratives.pivots import PivotParams, find_pivots
from lockstep.narratives.topics import TopicParams, build_topics, needs_refresh
from lockstep.narratives.volume import network_mix, refresh_volume
from lockstep.store import Store


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    with Progress(TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console) as bar:
        task = bar.add_task("embed", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def ensure_topics(store: Store, dataset: str, params: TopicParams, *, refresh: bool, quiet: bool) -> dict[str, Any] | None:
    """Run topic modelling when the data, the members or the parameters changed (or asked to)."""
    if not refresh and not needs_refresh(store, dataset, params):
        refresh_volume(store, dataset)  # members may have changed since
        return None

    def on_plan(plan: Plan) -> None:
        err_console.print(f"backend: {plan.reason}", highlight=False)
        if plan.estimate_s > 60:
            err_console.print(plan.sentence(), highlight=False)

    with _progress(on_terminal() and not quiet) as progress:
        return build_topics(store, dataset, params, on_plan=on_plan, progress=progress)


def topic_params(backend: str | None, device: str, seed: int, model_texts: int) -> TopicParams:
    return TopicParams(backend=backend or Settings.load().embed_backend, device=device, seed=seed,
                       model_texts=model_texts)


@click.command()
@click.option("--network", "network_id", type=int, default=None, help="Show the topic mix of one network only.")
@dataset_option
@click.option("--backend", type=click.Choice(BACKENDS), default=None,
              help="Embedding backend (default: the embed_backend setting, minilm).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="Where the model runs: a CUDA GPU when present with auto.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for SVD and clustering.")
@click.option("--model-texts", type=int, default=TopicParams.model_texts, show_default=True,
              help="Budget: most unique texts embedded by the model; the rest get topics from tfidf.")
@click.option("--refresh", is_flag=True, help="Re-run topic modelling even if nothing changed.")
@click.option("--top", type=int, default=20, show_default=True, help="Topics to list in the table.")
@db_option
@json_option
def narratives(network_id: int | None, dataset: str | None, backend: str | None, device: str, seed: int,
               model_texts: int, refresh: bool, top: int, db: Path | None, as_json: bool) -> None:
    """Cluster posts into narratives and show what each network pushes.

    Runs (or refreshes) topic modelling when needed, then prints each topic with its label
    (most distinctive words, c-TF-IDF), size and example posts, and each flagged network's topic
    mix. A run that will take over a minute says so first.
    """
    with open_store(db) as store:
        ds = store.resolve_dataset(dataset)
        run = ensure_topics(store, ds, topic_params(backend, device, seed, model_texts), refresh=refresh,
                            quiet=as_json)
        topics = [dict(zip(("topic_id", "label", "terms", "posts", "example_post_ids", "example_texts",
                            "backend"), r, strict=True)) for r in store.rows(
            "SELECT topic_id, label, terms, size, example_post_ids, example_texts, backend FROM topics "
            "WHERE dataset = ? ORDER BY topic_id < 0, size DESC, topic_id", [ds])]
        mix = network_mix(store, ds, network_id)
        figures = run or _last_figures(store, ds)
    if as_json:
        print_json({"dataset": ds, "run": figures, "topics": topics, "networks": mix})
        return
    print_table(f"narratives in {ds}", ["id", "label", "posts", "example"],
                [(t["topic_id"], t["label"], t["posts"], _short((t["example_texts"] or [""])[0]))
                 for t in topics[:top]])
    if mix:
        print_table("topic mix per network", ["network", "posts", "top topics (share)"],
                    [(m["network_id"], m["posts"], "; ".join(
                        f"{t['topic_id']} {t['label']} ({t['share']:.0%})" for t in m["topics"][:3]))
                     for m in mix])
    elif network_id is not None:
        err_console.print(f"Network {network_id} has no posts with topics in {ds}.")


def _last_figures(store: Store, ds: str) -> dict[str, Any] | None:
    import json

    row = store.rows("SELECT figures FROM narrative_runs WHERE dataset = ? ORDER BY finished_at DESC LIMIT 1", [ds])
    return json.loads(row[0][0]) if row else None


def _short(text: str | None, n: int = 90) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


@click.command()
@dataset_option
@click.option("--window", "window_days", type=float, default=None,
              help="Window length in days (default: a tenth of the data's span, between 1 and 7 days).")
@click.option("--span", type=int, default=2, show_default=True, help="Windows pooled on each side of a boundary.")
@click.option("--alpha", type=float, default=0.01, show_default=True,
              help="False discovery rate over all tested boundaries (Benjamini-Hochberg).")
@click.option("--min-jsd", type=float, default=0.15, show_default=True,
              help="Smallest Jensen-Shannon divergence (bits) that counts as a pivot.")
@db_option
@json_option
def pivots(dataset: str | None, window_days: float | None, span: int, alpha: float, min_jsd: float,
           db: Path | None, as_json: bool) -> None:
    """Report when a flagged network's topic mix changed: from which topic to which, when, and the
    posts that show it. Needs topics (run `lockstep narratives` first)."""
    with open_store(db) as store:
        ds = store.resolve_dataset(dataset)
        found = find_pivots(store, ds, PivotParams(window_days=window_days, span=span, alpha=alpha,
                                                    min_jsd=min_jsd))
    if as_json:
        print_json({"dataset": ds, "pivots": found})
        return
    if not found:
        click.echo(f"No pivots in {ds}.")
        return
    print_table(f"pivots in {ds}", ["network", "time", "from", "to", "JSD", "q", "evidence posts"],
                [(p["network_id"], p["time"], p["from_topic"]["label"], p["to_topic"]["label"],
                  f"{p['jsd']:.2f}", f"{p['q_value']:.1e}", ", ".join(p["evidence_post_ids"][:3]))
                 for p in found])
    for p in found:
        click.echo(p["sentence"])
