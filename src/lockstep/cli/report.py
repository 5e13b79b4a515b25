"""``lockstep report``, ``lockstep export gexf`` and ``lockstep export csv``."""

from __future__ import annotations

from pathlib import Path

import click

from lockstep.cli.common import OutPath, dataset_option, db_option, err_console, open_store, writing
from lockstep.share.pseudonymizer import Pseudonymizer, read_key
from lockstep.share.tlp import LEVELS


def _pseudo(keyfile: Path | None) -> Pseudonymizer:
    return Pseudonymizer(read_key(keyfile)) if keyfile else Pseudonymizer()


@click.command()
@click.option("--network", "networks", multiple=True, type=int, help="Only these networks (repeatable). Default: the top 25.")
@click.option("--out", required=True, type=OutPath(), help="HTML file to write.")
@click.option("--pdf", is_flag=True, help="Also print a PDF next to it (needs Chromium).")
@click.option("--pseudonymize", "keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Key file: accounts that are not notable are shown as keyed hashes.")
@click.option("--tlp", type=click.Choice(list(LEVELS)),
              help="TLP 2.0 marking to print on the report.")
@dataset_option
@db_option
def report(networks: tuple[int, ...], out: Path, pdf: bool, keyfile: Path | None, tlp: str | None,
           dataset: str | None, db: Path | None) -> None:
    """Write the analyst's report: one self-contained HTML file (charts embedded).

    Sections: executive summary, methods and provenance, then per network the asset table,
    creation histogram, timeline, weekly clock heatmap, client apps, network map, evidence,
    signals, narratives, shared domains, DISARM techniques and members; an indicator appendix.
    """
    from lockstep.report.html import html_to_pdf, render_report

    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        html = render_report(store, ds, list(networks) or None, pseudo=_pseudo(keyfile), tlp=tlp)
    with writing(out):
        out.write_text(html, encoding="utf-8")
    err_console.print(f"wrote {out} ({len(html) // 1024} KiB)", highlight=False)
    if pdf:
        pdf_path = out.with_suffix(".pdf")
        html_to_pdf(out, pdf_path)
        err_console.print(f"wrote {pdf_path}", highlight=False)


@click.command()
@click.option("--out", required=True, type=OutPath(), help="GEXF file to write.")
@click.option("--pseudonymize", "keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Key file: accounts that are not notable are named by keyed hashes.")
@dataset_option
@db_option
def gexf(out: Path, keyfile: Path | None, dataset: str | None, db: Path | None) -> None:
    """Export flagged accounts and their significant edges as GEXF for Gephi.

    One edge per account pair and trace (attribute `trace`, with weight, count, p_value); nodes
    carry network, score, sub-cluster, platform and flagged signals.
    """
    from lockstep.report.gexf import write_gexf

    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        with writing(out):
            nodes, edges = write_gexf(store, ds, out, _pseudo(keyfile))
    err_console.print(f"wrote {out}: {nodes} accounts, {edges} edges", highlight=False)


@click.command(name="csv")
@click.option("--out", required=True, type=OutPath(folder=True), help="Folder to write into.")
@click.option("--pseudonymize", "keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Key file: accounts that are not notable are named by keyed hashes, post ids hashed.")
@dataset_option
@db_option
def csv_tables(out: Path, keyfile: Path | None, dataset: str | None, db: Path | None) -> None:
    """Export networks, members, edges and evidence as CSV files in a folder."""
    from lockstep.report.gexf import write_csv_tables

    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        with writing(out):
            counts = write_csv_tables(store, ds, out, _pseudo(keyfile))
    err_console.print("wrote " + ", ".join(f"{k}.csv ({v} rows)" for k, v in counts.items()) + f" to {out}",
                      highlight=False)
