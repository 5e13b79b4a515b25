"""``lockstep export ...``: posts as Parquet/CSV here; STIX, GEXF and CSV findings in their modules."""

from __future__ import annotations

from pathlib import Path

import click

from lockstep.cli.common import LazyGroup, OutPath, db_option, err_console, open_store, writing

EXPORTS = {
    "posts": "lockstep.cli.export:posts",
    "gexf": "lockstep.cli.report:gexf",
    "csv": "lockstep.cli.report:csv_tables",
    "stix": "lockstep.cli.stix:stix",
}


@click.group(cls=LazyGroup, lazy=EXPORTS)
def export() -> None:
    """Write the store's contents or findings to files other tools read."""


@export.command()
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="File format: Parquet (typed, lists kept) or CSV (lists as JSON arrays).")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="File to write (a folder with --partition-by).")
@click.option("--dataset", default=None, help="Only this dataset (default: all).")
@click.option("--partition-by", default="",
              help="Parquet only: write a Hive-partitioned folder split by these columns, e.g. dataset,day "
                   "(of: dataset, platform, day), for `lockstep detect --engine spark --posts`.")
@db_option
def posts(fmt: str, out: Path, dataset: str | None, partition_by: str, db: Path | None) -> None:
    """Export posts in Lockstep's own column layout (re-ingestible with `lockstep ingest`)."""
    parts = [c.strip() for c in partition_by.split(",") if c.strip()]
    out = OutPath(folder=bool(parts)).convert(str(out), None, None)
    with open_store(db, read_only=True) as store, writing(out):
        n = store.export_posts(out, fmt, dataset, partition_by=parts)
    err_console.print(f"wrote {n} posts to {out}", highlight=False)
