"""``lockstep follow``: ingest live data as it arrives, re-detect on a schedule, alert on changes."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import db_option, err_console, json_option, print_json


@click.command()
@click.option("--dir", "folders", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to watch: new or growing files in it are ingested once they stop changing "
                   "(repeatable).")
@click.option("--stdin", "use_stdin", is_flag=True, help="Read NDJSON records from standard input.")
@click.option("--jetstream", metavar="URL", default=None,
              help="Bluesky Jetstream WebSocket URL (e.g. wss://HOST/subscribe); resumes with its cursor.")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Format of the files and stdin records (see `lockstep formats`); Jetstream is always bluesky.")
@click.option("--dataset", default="default", show_default=True, help="Dataset to ingest into and detect on.")
@click.option("--every", default="5m", show_default=True, help="Re-detect this often (e.g. 5m, 1h).")
@click.option("--window", default="72h", show_default=True, help="Detect over the posts of this last span.")
@click.option("--clock", type=click.Choice(["wall", "data"]), default="wall", show_default=True,
              help="What --every counts: real time (wall), or the time of the posts (data: for replays "
                   "in accelerated time).")
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.01, show_default=True,
              help="False discovery rate of each re-detection (as `lockstep detect --fdr`): higher alerts sooner, "
                   "on more organic accounts.")
@click.option("--min-items", type=click.IntRange(min=1), default=2, show_default=True,
              help="Minimum distinct items a pair must share in the shared-item traces (co_*; `detect` uses 3 "
                   "for most): 2 alerts on an operation after its second joint action.")
@click.option("--settle", default="2s", show_default=True,
              help="A watched file is read once its size and time stamp have not changed for this long.")
@click.option("--batch", type=click.IntRange(min=1), default=2000, show_default=True,
              help="At most this many stream records per ingest transaction.")
@click.option("--alert", "alert_rules", multiple=True,
              help="Alert rule to run (repeatable; default: all): new_network, growth, pivot, watch, indicator.")
@click.option("--alert-growth", type=int, default=3, show_default=True,
              help="Growth rule: alert when a network has gained this many accounts since its last alert.")
@click.option("--alerts-jsonl", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append each alert as one JSON line to this file.")
@click.option("--webhook", metavar="URL", default=None,
              help="POST each alert as JSON here, signed with HMAC-SHA256 of LOCKSTEP_WEBHOOK_SECRET.")
@click.option("--webhook-secret-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Read the webhook secret from this file instead of LOCKSTEP_WEBHOOK_SECRET.")
@click.option("--quiet", is_flag=True, help="Do not print alerts and progress on the terminal.")
@click.option("--no-exit", "no_exit", is_flag=True,
              help="Keep running when every source has ended (stdin closed) instead of stopping.")
@click.option("--exit-idle", metavar="DURATION", default=None,
              help="Stop (exit 0) once no source has delivered anything for this long, e.g. a backfill "
                   "that caught up.")
@db_option
@json_option
def follow(folders: tuple[Path, ...], use_stdin: bool, jetstream: str | None, fmt: str, dataset: str, every: str,
           window: str, clock: str, fdr: float, min_items: int | None, settle: str, batch: int, alert_rules: tuple[str, ...], alert_growth: int,
           alerts_jsonl: Path | None, webhook: str | None, webhook_secret_file: Path | None, quiet: bool,
           no_exit: bool, exit_idle: str | None, db: Path | None, as_json: bool) -> None:
    """Follow live data: ingest as it arrives, re-detect on a schedule, alert on what changed.

    Sources: folders (--dir), NDJSON on standard input (--stdin), Bluesky Jetstream (--jetstream URL).
    Every --every, detection re-runs over the last --window of posts; networks keep durable ids, and the
    alert rules (new network, growth, pivot, watched narrative, partner indicator) go to the terminal,
    --alerts-jsonl and --webhook. SIGTERM or Ctrl-C stores the batch in hand and exits 0; after a crash,
    a restart resumes where the stored data ends. See docs/commands/follow.md.
    """
    from lockstep.duration import parse_duration
    from lockstep.errors import ConfigError
    from lockstep.follow.deliver import JsonlSink, TerminalSink, WebhookSink
    from lockstep.follow.loop import Follower, FollowOptions, positions
    from lockstep.follow.rules import Rules
    from lockstep.follow.sources import DirectorySource, JetstreamSource, StdinSource
    from lockstep.store import resolve_db_path

    if not (folders or use_stdin or jetstream):
        raise ConfigError("Name at least one source: --dir FOLDER, --stdin or --jetstream URL.")
    path = resolve_db_path(db)
    from lockstep.follow.loop import item_min_items
    from lockstep.networks.detect import DetectOptions

    opts = FollowOptions(dataset=dataset, every_s=parse_duration(every, what="--every"),
                         detect=DetectOptions(signals=False, fdr=fdr, min_items_by_trace=item_min_items(min_items)),
                         window_s=parse_duration(window, what="--window"), clock=clock,
                         rules=Rules.parse(list(alert_rules), alert_growth), exit_when_exhausted=not no_exit,
                         exit_idle_s=parse_duration(exit_idle, what="--exit-idle") if exit_idle else None)
    say = (lambda msg: None) if quiet else (lambda msg: err_console.print(msg, highlight=False, markup=False))
    sinks: list[Any] = []
    if not quiet:
        sinks.append(TerminalSink(lambda line: click.echo(line)))
    if alerts_jsonl:
        sinks.append(JsonlSink(alerts_jsonl))
    if webhook:
        secret = (webhook_secret_file.read_bytes().strip() if webhook_secret_file
                  else os.environ.get("LOCKSTEP_WEBHOOK_SECRET", "").encode())
        sinks.append(WebhookSink(webhook, secret))
    known = positions(path, dataset)
    spool = path.with_name(path.name + ".follow-spool")
    shutil.rmtree(spool, ignore_errors=True)  # records of a batch a crash left unstored are read again
    sources: list[Any] = [DirectorySource(f, fmt=fmt, settle_s=parse_duration(settle, what="--settle"),
                                          positions=known) for f in folders]
    if use_stdin:
        sources.append(StdinSource(None, spool / "stdin", fmt=fmt, batch=batch))
    if jetstream:
        cursor = known.get("jetstream")
        sources.append(JetstreamSource(jetstream, spool / "jetstream", batch=batch,
                                       cursor=int(cursor) if cursor else None))
    follower = Follower(path, sources, sinks, opts, report=say)

    def stop(signum: int, _frame: Any) -> None:
        say(f"{signal.Signals(signum).name}: storing the batch in hand, then stopping")
        follower.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    say(f"following {', '.join([*map(str, folders), *(['stdin'] if use_stdin else []), *([jetstream] if jetstream else [])])}"
        f" into {path} (dataset {dataset}); re-detecting every {every} ({clock} clock) over {window}")
    figures = follower.run()
    shutil.rmtree(spool, ignore_errors=True)
    if as_json:
        print_json(figures)
    else:
        say(f"stopped ({figures['stopped']}): {figures['posts_stored']} posts stored in {figures['batches']} "
            f"batches, {figures['detections']} detections, {figures['alerts']} alerts")
