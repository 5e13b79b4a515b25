"""``lockstep intel ...``: import partners' indicators, match them, export sightings, list them."""

from __future__ import annotations

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
    print_table,
    writing,
)
from lockstep.config import Settings
from lockstep.share import tlp


@click.group()
def intel() -> None:
    """Other defenders' indicators: import them, match them against local data, share sightings."""


@intel.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--producer", default=None, help="Who produced the indicators (default: the bundle's identity, or 'Meta').")
@db_option
@json_option
def import_(files: tuple[Path, ...], producer: str | None, db: Path | None, as_json: bool) -> None:
    """Read STIX 2.1 bundles and Meta-style indicator CSV/JSON files into the store.

    Defanged values (example[.]com) are refanged and normalized as ingest does. Cells that are not
    indicators (counts, prose, IPs, e-mail) go to the intel quarantine with the reason. Importing a
    file twice adds nothing.
    """
    from lockstep.errors import SourceError
    from lockstep.share.intel import import_file

    results, errors = [], []
    with open_store(db) as store:
        for f in files:
            try:
                results.append(import_file(store, f, producer))
            except SourceError as exc:
                errors.append({"file": str(f), "error": str(exc)})
    totals = {k: sum(getattr(r, k) for r in results)
              for k in ("records", "indicators", "stored", "duplicates", "quarantined", "blank")}
    if as_json:
        print_json({"files": [r.as_dict() for r in results], "errors": errors, "totals": totals})
    else:
        print_table("intel import", ["file", "format", "records", "indicators", "stored", "duplicates", "quarantined"],
                    [(r.source, r.format, r.records, r.indicators, r.stored, r.duplicates, r.quarantined)
                     for r in results])
        for e in errors:
            err_console.print(f"[red]{e['error']}[/]", highlight=False)
    if errors and not results:
        raise SystemExit(2)


@intel.command()
@click.option("--key", "keyfile", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Community key file, to match pseudonymized (HMAC) account indicators.")
@dataset_option
@db_option
@json_option
def match(keyfile: Path | None, dataset: str | None, db: Path | None, as_json: bool) -> None:
    """Match imported indicators against the dataset's posts and accounts; store the sightings."""
    from lockstep.share.match import match as run_match
    from lockstep.share.pseudonym import read_key

    key = read_key(keyfile) if keyfile else None
    with open_store(db) as store:
        summary = run_match(store, dataset, key)
        top = store.rows("SELECT type, value, count, account_count, first_seen, last_seen, networks FROM sightings "
                         "WHERE dataset = ? ORDER BY count DESC, type, value LIMIT 20", [summary.dataset])
    if as_json:
        print_json(summary.as_dict())
    else:
        err_console.print(f"{summary.indicators} indicators matched against dataset {summary.dataset!r}: "
                          f"{summary.sightings} sighted in {summary.posts_matched} posts "
                          f"({summary.seconds:.1f} s)", highlight=False)
        print_table("top sightings", ["type", "value", "posts", "accounts", "first seen", "last seen", "networks"], top)


@intel.command()
@click.option("--out", required=True, type=OutPath(), help="Bundle file to write.")
@click.option("--producer", default=None, help="Only sightings of this producer's indicators.")
@click.option("--tlp", "tlp_level", type=click.Choice(list(tlp.LEVELS), case_sensitive=False), default="amber",
              show_default=True, help="Minimum TLP 2.0 level (an indicator's own stricter level is kept).")
@click.option("--organisation", default=None, help="Our organisation, the sighter (default: setting).")
@dataset_option
@db_option
@json_option
def sightings(out: Path, producer: str | None, tlp_level: str, organisation: str | None, dataset: str | None,
              db: Path | None, as_json: bool) -> None:
    """Export sightings as STIX 2.1 `sighting` objects for the indicators' producers."""
    from lockstep.share.match import sightings_bundle
    from lockstep.share.stix import write_bundle

    org = organisation or Settings.load().organisation
    with open_store(db, read_only=True) as store:
        bundle = sightings_bundle(store, dataset, org, tlp_level.lower(), producer)
    with writing(out):
        write_bundle(bundle, out)  # 0600 when it holds TLP:RED sightings
    n = sum(1 for o in bundle["objects"] if o["type"] == "sighting")
    if as_json:
        print_json({"out": str(out), "sightings": n, "objects": len(bundle["objects"])})
    else:
        err_console.print(f"wrote {n} sightings to {out}", highlight=False)


@intel.command("list")
@click.option("--type", "kind", default=None, help="Only this indicator type (domain, url, account, ...).")
@click.option("--producer", default=None, help="Only this producer's indicators.")
@click.option("--limit", default=50, show_default=True, help="Rows to show (0: all).")
@click.option("--quarantine", "show_quarantine", is_flag=True, help="List refused records instead.")
@db_option
@json_option
def list_(kind: str | None, producer: str | None, limit: int, show_quarantine: bool, db: Path | None,
          as_json: bool) -> None:
    """List imported indicators (counts per type and producer), or the intel quarantine."""
    from lockstep.share.tables import ensure

    with open_store(db) as store:
        ensure(store)
        lim = f"LIMIT {int(limit)}" if limit else ""
        if show_quarantine:
            header = ["file", "line", "reason", "raw"]
            rows = store.rows(f"SELECT source_file, line, reason, raw FROM intel_quarantine ORDER BY 1, 2 {lim}")
            by = store.rows("SELECT reason, count(*) FROM intel_quarantine GROUP BY 1 ORDER BY 2 DESC")
        else:
            conds, params = [], []
            if kind:
                conds.append("type = ?")
                params.append(kind)
            if producer:
                conds.append("producer = ?")
                params.append(producer)
            where = ("WHERE " + " AND ".join(conds)) if conds else ""
            header = ["type", "value", "platform", "producer", "tlp", "source", "networks"]
            rows = store.rows(f"SELECT type, value, platform, producer, tlp, source_file, networks FROM indicators "
                              f"{where} ORDER BY type, value {lim}", params)
            by = store.rows(f"SELECT type, count(*) FROM indicators {where} GROUP BY 1 ORDER BY 1", params)
    if as_json:
        print_json({"counts": dict(by), "rows": [dict(zip(header, r, strict=True)) for r in rows]})
    else:
        print_table("counts", ["kind", "count"], by)
        print_table("intel quarantine" if show_quarantine else "indicators", header,
                    [tuple(str(v)[:80] if v is not None else "" for v in r) for r in rows])
