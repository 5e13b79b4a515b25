"""``lockstep ingest``, ``formats`` and ``quarantine``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from lockstep import registry
from lockstep.cli.common import (
    csv_option,
    db_option,
    err_console,
    json_option,
    on_terminal,
    open_store,
    print_csv,
    print_json,
    print_table,
)
from lockstep.config import Settings
from lockstep.errors import ConfigError
from lockstep.ingest.base import ReadOptions
from lockstep.ingest.guard import Limits
from lockstep.ingest.pipeline import FileSummary, estimate_rows, ingest_file


def _parse_map(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in pairs:
        for pair in chunk.split(","):
            if not pair.strip():
                continue
            if "=" not in pair:
                raise ConfigError(
                    f"--map expects FIELD=COLUMN pairs such as 'text=message,time=created'. Got {pair!r}."
                )
            k, v = pair.split("=", 1)
            out[k.strip()] = v.strip()
    return out


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Source format (see `lockstep formats`); auto-detected from content by default.")
@click.option("--dataset", default="default", show_default=True, help="Name of the collection these files join.")
@click.option("--platform", default=None, help="Platform to record where the source does not say (e.g. facebook).")
@click.option("--map", "mapping", multiple=True,
              help="Column mapping for plain tables: FIELD=COLUMN,... (fields as in docs/model.md).")
@db_option
@json_option
def ingest(paths: tuple[Path, ...], fmt: str, dataset: str, platform: str | None,
           mapping: tuple[str, ...], db: Path | None, as_json: bool) -> None:
    """Read export files into the store.

    Each file is loaded in one transaction; records that cannot be read go to the quarantine
    (see `lockstep quarantine`) with file, line and reason. Ingesting a file twice adds nothing.
    Exits non-zero only when nothing at all could be read.
    """
    if fmt != "auto":
        registry.get("lockstep.adapters", fmt)  # unknown names fail before any work
    settings = Settings.load()
    options = ReadOptions(platform=platform, mapping=_parse_map(mapping),
                          limits=Limits(max_record_bytes=settings.max_record_bytes,
                                        max_expansion_ratio=settings.max_expansion_ratio))
    summaries: list[FileSummary] = []
    with open_store(db) as store:
        if on_terminal() and not as_json:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), _Rows(), _Rate(),
                          TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err_console) as bar:
                files = bar.add_task("files", total=len(paths))
                for path in paths:
                    task = bar.add_task(f"  {path.name}", total=estimate_rows(path))
                    summaries.append(_one(store, path, fmt, dataset, options,
                                          lambda n, t=task: bar.advance(t, n)))
                    bar.remove_task(task)
                    bar.advance(files)
        else:
            for path in paths:
                if not as_json:
                    err_console.print(f"ingesting {path} ...", highlight=False)
                summaries.append(_one(store, path, fmt, dataset, options, None if as_json else _PlainProgress(path)))
    if as_json:
        print_json({"files": [s.as_dict() for s in summaries], "totals": _totals(summaries)})
    else:
        rows = [(s.path, s.adapter, s.records_read, s.posts_stored, s.accounts_stored, s.duplicates,
                 s.quarantined, s.skipped, s.error or "; ".join(s.notes)) for s in summaries]
        print_table("ingest", ["file", "format", "read", "posts stored", "accounts stored",
                               "duplicates", "quarantined", "skipped", "notes"], rows)
        for s in summaries:
            if s.error:
                err_console.print(f"[red]{s.error}[/]", highlight=False)
    if all(s.error or s.records_read == 0 for s in summaries):
        sys.exit(2)


class _Rows(ProgressColumn):
    """Records read so far (of the estimate, when there is one)."""

    def render(self, task: Task) -> Text:
        total = f" of ~{task.total:,.0f}" if task.total and task.description != "files" else ""
        unit = " files" if task.description == "files" else " rows"
        return Text(f"{task.completed:,.0f}{total}{unit}")


class _Rate(ProgressColumn):
    """Records read per second."""

    def render(self, task: Task) -> Text:
        if task.description == "files" or not task.speed:
            return Text("")
        return Text(f"{task.speed:,.0f} rows/s")


class _PlainProgress:
    """Progress as plain lines (no terminal: a log, a pipe, CI), at most one every 10 seconds."""

    def __init__(self, path: Path) -> None:
        self.path, self.rows, self.start = path, 0, time.monotonic()
        self.last = self.start
        self.total = estimate_rows(path)

    def __call__(self, n: int) -> None:
        self.rows += n
        now = time.monotonic()
        if now - self.last < 10:
            return
        self.last = now
        rate = self.rows / max(now - self.start, 1e-9)
        eta = f", about {max(self.total - self.rows, 0) / rate:,.0f} s left" if self.total and rate else ""
        err_console.print(f"  {self.path.name}: {self.rows:,} rows, {rate:,.0f} rows/s{eta}", highlight=False)


def _one(store, path, fmt, dataset, options, progress) -> FileSummary:  # type: ignore[no-untyped-def]
    from lockstep.errors import SourceError

    try:
        return ingest_file(store, path, fmt=fmt, dataset=dataset, options=options, progress=progress)
    except SourceError as exc:
        return FileSummary(path=str(path), adapter=fmt, dataset=dataset, error=str(exc))


def _totals(summaries: list[FileSummary]) -> dict[str, int]:
    keys = ["records_read", "posts_stored", "accounts_stored", "duplicates", "quarantined", "skipped",
            "zone_unknown"]
    out = {k: sum(getattr(s, k) for s in summaries) for k in keys}
    out["files_failed"] = sum(1 for s in summaries if s.error)
    return out


@click.command()
@json_option
def formats(as_json: bool) -> None:
    """List the input formats `lockstep ingest` reads (built-ins and plug-ins)."""
    items = [(n, c.description) for n, c in sorted(registry.plugins("lockstep.adapters").items())]
    if as_json:
        print_json([{"name": n, "description": d} for n, d in items])
    else:
        print_table("formats", ["name", "description"], items)


@click.command()
@db_option
@click.option("--dataset", default=None, help="Only this dataset's quarantine.")
@click.option("--limit", default=50, show_default=True, help="Rows to show (0: all).")
@json_option
@csv_option
def quarantine(db: Path | None, dataset: str | None, limit: int, as_json: bool, as_csv: bool) -> None:
    """List records that could not be read: file, line, reason and the raw value."""
    with open_store(db, read_only=True) as store:
        where, params = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
        lim = f"LIMIT {int(limit)}" if limit else ""
        rows = store.rows(
            f"SELECT dataset, source_file, line, reason, raw FROM quarantine {where} "
            f"ORDER BY source_file, line {lim}", params)
        total = store.scalar(f"SELECT count(*) FROM quarantine {where}", params)
        reasons = store.rows(
            f"SELECT reason, count(*) FROM quarantine {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 20", params)
    header = ["dataset", "file", "line", "reason", "raw"]
    if as_json:
        print_json({"total": total, "by_reason": dict(reasons),
                    "rows": [dict(zip(header, r, strict=True)) for r in rows]})
    elif as_csv:
        print_csv(header, rows)
    else:
        print_table(f"quarantine ({total} rows)", header,
                    [(*r[:4], (r[4] or "")[:80]) for r in rows])
