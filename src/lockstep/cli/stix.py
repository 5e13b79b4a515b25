"""``lockstep export stix``: networks as a STIX 2.1 bundle (DISARM techniques, TLP 2.0)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

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
@dataset_option
@db_option
@json_option
def stix(out: Path, networks: tuple[int, ...], tlp_level: str, keyfile: Path | None, organisation: str | None,
         disarm_map: Path | None, targets: tuple[str, ...], dataset: str | None, db: Path | None,
         as_json: bool) -> None:
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
        bundle = build_bundle(store, ds, list(networks) or None, tlp_level.lower(), key, org,
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
