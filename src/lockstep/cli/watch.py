"""``lockstep watch add|check|list|remove``: watched narratives and their alerts."""

from __future__ import annotations

from pathlib import Path

import click

from lockstep.cli.common import dataset_option, db_option, json_option, open_store, print_json, print_table
from lockstep.narratives.alerts import CheckParams, check_watches
from lockstep.narratives.embed import DEVICES
from lockstep.narratives.watch import (
    add_watch,
    list_watches,
    read_examples,
    remove_watch,
    require_watches,
    watch_summary,
)


@click.group()
def watch() -> None:
    """Watch narratives: alert when a flagged network moves into one."""


@watch.command("add")
@click.argument("name")
@click.option("--query", default=None, help="Words that describe the narrative.")
@click.option("--examples", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="UTF-8 file with example posts, one per line.")
@click.option("--threshold", type=float, default=None,
              help="Cosine similarity a post needs to match (default: 0.45 minilm, 0.35 tfidf).")
@click.option("--replace", is_flag=True, help="Replace a watch of the same name.")
@db_option
def add(name: str, query: str | None, examples: Path | None, threshold: float | None, replace: bool,
        db: Path | None) -> None:
    """Define a watched narrative NAME by words (--query) and/or example posts (--examples)."""
    ex = read_examples(examples) if examples else []
    with open_store(db) as store:
        w = add_watch(store, name, query=query, examples=ex, threshold=threshold, replace=replace)
    click.echo(f"Watching '{w.name}' ({'query' if w.query else 'no query'}, {len(w.examples)} example posts).")


@watch.command("list")
@db_option
@json_option
def list_(db: Path | None, as_json: bool) -> None:
    """List the watched narratives."""
    with open_store(db) as store:
        ws = [watch_summary(w) for w in list_watches(store)]
    if as_json:
        print_json({"watches": ws})
    elif not ws:
        click.echo("No watches. Add one with: lockstep watch add NAME --query \"...\"")
    else:
        print_table("watches", ["name", "query", "examples", "threshold"],
                    [(w["name"], w["query"], w["examples"], w["threshold"]) for w in ws])


@watch.command("remove")
@click.argument("name")
@db_option
def remove(name: str, db: Path | None) -> None:
    """Remove the watched narrative NAME (and its alerts)."""
    with open_store(db) as store:
        remove_watch(store, name)
    click.echo(f"Removed watch '{name}'.")


@watch.command("check")
@click.argument("names", nargs=-1)
@dataset_option
@click.option("--window", "window_days", type=float, default=7.0, show_default=True, help="Window length in days.")
@click.option("--alpha", type=float, default=0.01, show_default=True,
              help="False discovery rate over all tests (Benjamini-Hochberg).")
@click.option("--min-increase", type=float, default=0.10, show_default=True,
              help="Smallest rise of the share over the network's baseline that alerts.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="Where the model runs for posts it has not embedded yet.")
@db_option
@json_option
def check(names: tuple[str, ...], dataset: str | None, window_days: float, alpha: float, min_increase: float,
          device: str, db: Path | None, as_json: bool) -> None:
    """Check flagged networks against the watched narratives (all, or NAMES).

    Alerts when a network's share of posts matching a watch, in one window, is significantly above
    its own earlier windows. Needs topics (`lockstep narratives`) and networks (`lockstep detect`).
    """
    with open_store(db) as store:
        ds = store.resolve_dataset(dataset)
        ws = require_watches(store, list(names) or None)
        alerts = check_watches(store, ds, ws, CheckParams(window_days=window_days, alpha=alpha,
                                                          min_increase=min_increase, device=device))
    if as_json:
        print_json({"dataset": ds, "watches": [w.name for w in ws], "alerts": alerts})
        return
    if not alerts:
        click.echo(f"No alerts for {', '.join(w.name for w in ws)} in {ds}.")
        return
    print_table(f"watch alerts in {ds}", ["watch", "network", "time", "share", "baseline", "q", "example posts"],
                [(a["watch"], a["network_id"], a["time"], f"{a['share']:.0%}", f"{a['baseline_share']:.0%}",
                  f"{a['q_value']:.1e}", ", ".join(a["example_post_ids"][:3])) for a in alerts])
    for a in alerts:
        click.echo(a["sentence"])
