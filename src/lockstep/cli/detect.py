"""``lockstep detect``: find coordinated networks in one dataset and write them to the store."""

from __future__ import annotations

from pathlib import Path

import click

from lockstep import registry
from lockstep.cli.common import (
    StepProgress,
    dataset_option,
    db_option,
    json_option,
    open_store,
    print_json,
    print_table,
)
from lockstep.config import Settings
from lockstep.engine.factory import EngineChoice, parse_conf
from lockstep.errors import ConfigError
from lockstep.networks.detect import DEFAULT_TRACES, SIGNALS_SKIPPED_LAKE, DetectOptions, run_detection
from lockstep.networks.disclosed import set_aside_line
from lockstep.traces.base import format_window, parse_window


def parse_windows(values: tuple[str, ...]) -> dict[str, str]:
    """``60s`` (every trace), ``co_link=5m,co_text=auto`` (per trace), or both."""
    out: dict[str, str] = {}
    for chunk in values:
        for part in chunk.split(","):
            part = part.strip()
            if not part:
                continue
            trace, _, win = part.rpartition("=")
            parse_window(win, what=f"--window value {part!r}")  # fail early on a bad duration
            out[trace.strip() or "*"] = win.strip()
    return out


@click.command()
@dataset_option
@click.option("--traces", default=",".join(DEFAULT_TRACES), show_default=True,
              help="Comma-separated traces to run (see docs/detection.md).")
@click.option("--window", "windows", multiple=True,
              help="Time window: 60s, 5m, 2h or auto for every trace, or TRACE=WINDOW,... per trace. "
                   "Default: each trace's own.")
@click.option("--min-items", type=int, default=None,
              help="Minimum distinct shared items for a pair (default: each trace's own, 3; sync 5).")
@click.option("--fdr", type=float, default=0.01, show_default=True,
              help="False discovery rate controlled over all tested account pairs (Benjamini-Hochberg).")
@click.option("--min-size", type=int, default=3, show_default=True, help="Smallest network reported.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Leiden clustering.")
@click.option("--wait", "wait_s", type=click.IntRange(min=0), default=None, metavar="SECONDS",
              help="How long to wait while another process (`lockstep ui`, `lockstep networks`) holds the "
                   "store. Default: setting `store_wait_s` (60).")
@click.option("--no-signals", is_flag=True,
              help="Do not run the account-signals stage after detection; account scores then leave out "
                   "signals an earlier run computed.")
@click.option("--keep-disclosed", is_flag=True,
              help="Flag networks of openly disclosed automation (accounts that declare automation and name "
                   "the site they post) instead of setting them aside.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="Where the set work runs: duckdb (in-process) or spark. Default: setting `engine`, else duckdb.")
@click.option("--spark-master", default=None,
              help="Spark master: local[*], local[2], spark://host:7077, yarn. Default: setting `spark_master`, "
                   "else local[*].")
@click.option("--spark-conf", "spark_conf", multiple=True, metavar="KEY=VALUE",
              help="A Spark setting (repeatable), e.g. spark.executor.memory=8g.")
@click.option("--posts", "posts_path", default=None, metavar="PATH_OR_GLOB",
              help="With --engine spark: read the posts from Parquet (folder, glob or Hadoop URI, as written by "
                   "`lockstep export posts --format parquet`) instead of the store.")
@click.option("--results", default=None, metavar="PATH",
              help="With --engine spark: also write edges, networks, members and evidence as Parquet here.")
@db_option
@json_option
def detect(dataset: str | None, traces: str, windows: tuple[str, ...], min_items: int | None, fdr: float,
           min_size: int, seed: int, wait_s: int | None, no_signals: bool, keep_disclosed: bool, engine: str | None,
           spark_master: str | None, spark_conf: tuple[str, ...], posts_path: str | None, results: str | None,
           db: Path | None, as_json: bool) -> None:
    """Find networks of accounts that act together far more than chance allows.

    Runs each trace (co_link, co_text, ...), keeps account pairs whose co-activity is unlikely
    under a null model that keeps each account's activity and each item's popularity
    (FDR-controlled), clusters them into networks (Leiden), scores and explains each network.
    The results replace the previous run for this dataset; see `lockstep networks`.
    """
    names = [t.strip() for t in traces.split(",") if t.strip()]
    if not names:
        raise ConfigError("--traces is empty. Name at least one trace, e.g. --traces co_link,co_text.")
    if min_size < 2:
        raise ConfigError(f"--min-size must be at least 2. Got {min_size}.")
    opts = DetectOptions(traces=names, windows=parse_windows(windows), min_items=min_items, fdr=fdr,
                         min_size=min_size, seed=seed, signals=not no_signals,
                         set_aside_disclosed=not keep_disclosed, results=results)
    settings = Settings.load()
    opts.engine = EngineChoice(name=engine or settings.engine, spark_master=spark_master or settings.spark_master,
                               spark_conf=parse_conf(spark_conf), posts=posts_path, memory_limit=opts.memory_limit)
    with open_store(db, wait_s=wait_s) as store:
        ds = _posts_dataset(dataset) if posts_path else store.resolve_dataset(dataset)
        if as_json:
            summary = run_detection(store, ds, opts)
        else:
            steps = [*(f"trace {n}" for n in names), "networks",
                     *(["signals"] if opts.signals and not posts_path else [])]
            with StepProgress("detect", steps) as progress:
                summary = run_detection(store, ds, opts, on_step=progress)
    if as_json:
        print_json(summary)
        return
    print_table(f"detect {summary['dataset']} ({summary['seconds']} s)",
                ["trace", "window", "pairs tested", "candidates", "significant", "seconds"],
                [(r["trace"], _window_cell(r["trace"], r["window_s"]), r["tested_pairs"], r["candidates"],
                  r["significant"], round(r["seconds"], 2)) for r in summary["traces"]])
    click.echo(f"{summary['networks']} networks, {summary['flagged_accounts']} of {summary['accounts']} accounts "
               f"flagged, {summary['edges']} significant edges (FDR {fdr}). See `lockstep networks`.")
    below = summary["accounts_with_evidence"] - summary["flagged_accounts"]
    if below > 0:
        click.echo(f"{below} more accounts have weaker evidence below the network threshold; "
                   "`lockstep scores` ranks every account.")
    if summary["set_aside_networks"]:
        click.echo(set_aside_line(summary["set_aside_networks"], summary["set_aside_accounts"]))
    if summary["signals"] == SIGNALS_SKIPPED_LAKE:
        click.echo(f"Account signals {SIGNALS_SKIPPED_LAKE}.")


def _posts_dataset(dataset: str | None) -> str:
    if not dataset:
        raise ConfigError("--posts needs --dataset NAME: the dataset to read from the Parquet (its `dataset` "
                          "partition) and to write the results under in the store.")
    return dataset


def _window_cell(trace: str, window_s: float) -> str:
    """A time-free trace has no window: it compares whole periods (its ``window_s`` is their length)."""
    try:
        time_free = bool(getattr(registry.get("lockstep.detectors", trace), "time_free", False))
    except ConfigError:  # the pooled "combined" layer is no plug-in
        time_free = False
    return f"none ({window_s / 86400:.0f} d)" if time_free else format_window(window_s)
