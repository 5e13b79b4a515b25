"""``lockstep export stix``: networks as a STIX 2.1 bundle (DISARM techniques, TLP 2.0)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lockstep.cli.common import (
    OutPath,
    dataset_option,
    db_option,
    err_console,
    json_option,
    open_store,
    print_json,
    writing,
)
from lockstep.config import Settings
from lockstep.share import tlp

if TYPE_CHECKING:
    from lockstep.store import Store


@click.command()
@click.option("--out", required=True, type=OutPath(), help="Bundle file to write (JSON).")
@click.option("--network", "networks", multiple=True, type=int, help="Network id to export (repeatable; default: all).")
@click.option("--tlp", "tlp_level", type=click.Choice(list(tlp.LEVELS), case_sensitive=False), default="amber",
              show_default=True, help="TLP 2.0 level marked on every object.")
@click.option("--pseudonymize", "keyfile", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Key file: replace account handles and ids by HMAC-SHA256 keyed hashes.")
@click.option("--organisation", default=None, help="Producing organisation (default: setting 'organisation').")
@click.option("--disarm-map", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file extending the behaviour -> DISARM technique table.")
@click.option("--target", "targets", multiple=True, help="Targeted country, ISO 3166-1 alpha-2 (repeatable).")
@click.option("--verdict", type=click.Choice(["confirmed", "benign", "needs_review"]), default=None,
              help="Only networks whose current analysts' verdict (`lockstep ui`) is this, with their members "
                   "unchanged since; `--verdict confirmed` shares only confirmed CIB.")
@click.option("--database-url", default=None,
              help="With --verdict: the server database holding the verdicts. Default: $LOCKSTEP_DATABASE_URL, "
                   "else sqlite:///lockstep-server.sqlite.")
@dataset_option
@db_option
@json_option
def stix(out: Path, networks: tuple[int, ...], tlp_level: str, keyfile: Path | None, organisation: str | None,
         disarm_map: Path | None, targets: tuple[str, ...], verdict: str | None, database_url: str | None,
         dataset: str | None, db: Path | None, as_json: bool) -> None:
    """Export networks as a STIX 2.1 bundle for other defenders.

    Each network becomes an intrusion-set with a campaign, DISARM attack-patterns for the behaviours
    behind it, and indicators (accounts, domains, URLs, text fingerprints); every object carries the
    TLP 2.0 marking. Ids are deterministic, so re-exporting updates objects instead of duplicating them.
    """
    from lockstep.share.pseudonym import read_key
    from lockstep.share.stix import ExportNotes, build_bundle, write_bundle

    org = organisation or Settings.load().organisation
    key = read_key(keyfile) if keyfile else None
    notes = ExportNotes()
    with open_store(db, read_only=True) as store:
        ds = store.resolve_dataset(dataset)
        chosen = list(networks) or None
        if verdict:
            chosen = _with_verdict(store, ds, verdict, database_url, chosen)
        bundle = build_bundle(store, ds, chosen, tlp_level.lower(), key, org,
                              disarm_map=disarm_map, targets=targets, notes=notes)
    with writing(out):
        size = write_bundle(bundle, out)
    counts = Counter(o["type"] for o in bundle["objects"])
    if as_json:
        print_json({"out": str(out), "bytes": size, "objects": len(bundle["objects"]), "by_type": dict(counts),
                    "tlp": tlp_level.lower(), "pseudonymized": key is not None,
                    "redacted": dict(notes.redacted)})
    else:
        err_console.print(f"wrote {len(bundle['objects'])} STIX objects ({counts['indicator']} indicators, "
                          f"{counts['intrusion-set']} networks, TLP:{tlp_level.upper()}) to {out}", highlight=False)
    if notes.message() and not as_json:
        err_console.print(notes.message(), highlight=False)


def _with_verdict(store: Store, dataset: str, verdict: str, database_url: str | None,
                  networks: list[int] | None) -> list[int]:
    """The networks (of ``networks``, if given) whose current verdict is ``verdict``."""
    from lockstep.errors import ConfigError
    from lockstep.serve.database import make_engine, upgrade
    from lockstep.ui.verdicts import networks_with

    engine = make_engine(database_url or Settings.load().database_url)
    try:
        upgrade(engine)
        keep, stale = networks_with(engine, store, dataset, verdict)
    finally:
        engine.dispose()
    if networks:
        keep = [n for n in keep if n in set(networks)]
    if stale:
        err_console.print(f"left out: network(s) {stale} had the verdict {verdict!r} but their members changed "
                          "since (detect ran again); review them again in `lockstep ui`.", highlight=False)
    if not keep:
        raise ConfigError(f"No network of dataset {dataset!r} has the verdict {verdict!r} (with its members "
                          "unchanged), so there is nothing to export. Record verdicts in `lockstep ui` first.")
    return keep
