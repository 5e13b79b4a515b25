"""``lockstep share push`` and ``share pull``: exchange findings with a TAXII 2.1 server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import dataset_option, db_option, err_console, json_option, open_store, print_json
from lockstep.config import Settings
from lockstep.errors import ConfigError, SourceError
from lockstep.serve.client import DEFAULT_MAX_OBJECTS, DEFAULT_MAX_PAGE_BYTES, DEFAULT_MAX_PAGES
from lockstep.share import tlp


def _auth_options(f: Any) -> Any:
    f = click.option("--insecure", is_flag=True,
                     help="Send the key over plain http:// to a host other than this machine (it can be read "
                          "and reused by anyone on the way; use https://).")(f)
    f = click.option("--token", envvar="LOCKSTEP_TAXII_TOKEN", default=None,
                     help="The key's secret, sent as a Bearer token (env LOCKSTEP_TAXII_TOKEN).")(f)
    f = click.option("--password", envvar="LOCKSTEP_TAXII_PASSWORD", default=None,
                     help="HTTP Basic password: the key's secret (env LOCKSTEP_TAXII_PASSWORD).")(f)
    return click.option("--user", envvar="LOCKSTEP_TAXII_USER", default=None,
                        help="HTTP Basic user: the key id (env LOCKSTEP_TAXII_USER).")(f)


def _refuse_clear_text(url: str, insecure: bool) -> None:
    from lockstep.serve.client import sends_secret_in_clear
    if sends_secret_in_clear(url) and not insecure:
        raise ConfigError(f"{url!r} is plain http:// to another machine: the key's secret would cross the network "
                          "unencrypted. Use the server's https:// URL, or add --insecure if you accept that risk.")


def _connect(url: str, user: str | None, password: str | None, token: str | None, insecure: bool) -> Any:
    from lockstep.serve.client import connect
    if token and (user or password):
        raise ConfigError("Give either --token or --user/--password, not both.")
    if not token and not (user and password):
        raise ConfigError("No credentials: give --user KEY_ID --password SECRET, or --token SECRET "
                          "(or set LOCKSTEP_TAXII_USER/LOCKSTEP_TAXII_PASSWORD or LOCKSTEP_TAXII_TOKEN).")
    _refuse_clear_text(url, insecure)
    return connect(url, user=user, password=password, token=token)


@click.group()
def share() -> None:
    """Push findings to, and pull partners' intelligence from, a TAXII 2.1 collection."""


@share.command()
@click.argument("collection_url")
@click.option("--network", "networks", multiple=True, type=int,
              help="Network id to share (repeatable; default: all networks of the dataset).")
@click.option("--bundle", "bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Push this STIX 2.1 bundle file instead of exporting networks.")
@click.option("--tlp", "tlp_level", type=click.Choice(list(tlp.LEVELS), case_sensitive=False), default="amber",
              show_default=True, help="TLP 2.0 level marked on every exported object.")
@click.option("--pseudonymize", "keyfile", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Community key file: share account identifiers as keyed hashes.")
@click.option("--organisation", default=None, help="Producing organisation (default: setting 'organisation').")
@_auth_options
@dataset_option
@db_option
@json_option
def push(collection_url: str, networks: tuple[int, ...], bundle_file: Path | None, tlp_level: str,
         keyfile: Path | None, organisation: str | None, user: str | None, password: str | None,
         token: str | None, insecure: bool, dataset: str | None, db: Path | None, as_json: bool) -> None:
    """Export networks as STIX 2.1 (like `lockstep export stix`) and add them to COLLECTION_URL.

    Objects go in as many requests as the server's max_content_length needs; the server's status
    (accepted and failed objects) is reported.
    """
    from lockstep.serve.client import push as push_objects

    _refuse_clear_text(collection_url, insecure)
    if bundle_file is not None:
        if networks:
            raise ConfigError("Give either --bundle or --network, not both.")
        try:
            bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"'{bundle_file}' is not JSON: {exc}. Expected a STIX 2.1 bundle.") from exc
        if not isinstance(bundle, dict) or not isinstance(bundle.get("objects"), list):
            raise SourceError(f"'{bundle_file}' is not a STIX 2.1 bundle: no 'objects' list.")
    else:
        from lockstep.share.pseudonym import read_key
        from lockstep.share.stix import ExportNotes, build_bundle
        key = read_key(keyfile) if keyfile else None
        notes = ExportNotes()
        with open_store(db, read_only=True) as store:
            ds = store.resolve_dataset(dataset)
            bundle = build_bundle(store, ds, list(networks) or None, tlp_level.lower(), key,
                                  organisation or Settings.load().organisation, notes=notes)
        if notes.message():
            err_console.print(notes.message(), highlight=False)
    coll = _connect(collection_url, user, password, token, insecure)
    res = push_objects(coll, bundle["objects"])
    out = {"collection": collection_url, "objects": res.total, "accepted": res.success, "failed": res.failure,
           "requests": res.requests, "status_ids": res.status_ids, "failures": res.failures[:20]}
    if as_json:
        print_json(out)
    else:
        err_console.print(f"pushed {res.total} objects to {collection_url} in {res.requests} request(s): "
                          f"{res.success} accepted, {res.failure} failed", highlight=False)
        for f in res.failures[:20]:
            err_console.print(f"  failed {f.get('id')}: {f.get('message')}", highlight=False)
    if res.failure:
        raise SystemExit(1)


@share.command()
@click.argument("collection_url")
@click.option("--since", default=None, help="Only objects added after this time (ISO 8601, e.g. 2026-01-31T00:00:00Z).")
@click.option("--match", "do_match", is_flag=True,
              help="Match the pulled indicators against the dataset and push the sightings back.")
@click.option("--push-sightings/--no-push-sightings", default=True, show_default=True,
              help="With --match: add the sightings to the same collection (needs the write right).")
@click.option("--tlp", "tlp_level", type=click.Choice(list(tlp.LEVELS), case_sensitive=False), default="amber",
              show_default=True, help="Minimum TLP of pushed sightings (an indicator's stricter level is kept).")
@click.option("--organisation", default=None, help="Our organisation, the sighter (default: setting).")
@click.option("--key", "keyfile", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Community key file, to match pseudonymized account indicators.")
@click.option("--max-pages", default=DEFAULT_MAX_PAGES, show_default=True, type=click.IntRange(1, None),
              help="Read at most this many pages (a server that always says 'more' cannot keep the pull going).")
@click.option("--max-objects", default=DEFAULT_MAX_OBJECTS, show_default=True, type=click.IntRange(1, None),
              help="Read at most this many objects.")
@click.option("--max-page-bytes", default=DEFAULT_MAX_PAGE_BYTES, show_default=True,
              type=click.IntRange(1024, None), help="Refuse a page larger than this many bytes.")
@_auth_options
@dataset_option
@db_option
@json_option
def pull(collection_url: str, since: str | None, do_match: bool, push_sightings: bool, tlp_level: str,
         organisation: str | None, keyfile: Path | None, max_pages: int, max_objects: int, max_page_bytes: int,
         user: str | None, password: str | None, token: str | None, insecure: bool, dataset: str | None,
         db: Path | None, as_json: bool) -> None:
    """Read every page of COLLECTION_URL and import its indicators into the store.

    Objects that cannot be read (NaN, an unknown TLP name, a malformed object) are quarantined one
    by one with the reason (see `lockstep intel list --quarantine`), the rest is imported. With --match, the
    imported indicators are matched against local posts and accounts, and the resulting STIX
    sightings are added back to the collection for the indicators' producers. Exit status 1 when
    the pull stopped at a limit before the server's last page (what was read is imported).
    """
    from lockstep.serve.client import pull as pull_objects
    from lockstep.serve.client import push as push_objects
    from lockstep.serve.timestamps import parse_us
    from lockstep.share.intel import import_bundle

    _refuse_clear_text(collection_url, insecure)
    if since:
        try:
            parse_us(since if "T" in since else since + "T00:00:00Z")
        except ValueError as exc:
            raise ConfigError(f"--since: {exc}.") from exc
        since = since if "T" in since else since + "T00:00:00Z"
    coll = _connect(collection_url, user, password, token, insecure)
    got = pull_objects(coll, since=since, max_pages=max_pages, max_objects=max_objects,
                       max_page_bytes=max_page_bytes)
    objects = got.objects
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    out: dict[str, Any] = {"collection": collection_url, "objects": len(objects),
                           "pages": got.pages, "stopped": got.stopped, "last_added": got.last_added}
    with open_store(db) as store:
        summary = import_bundle(store, bundle, source=collection_url)
        out["import"] = summary.as_dict()
        if do_match:
            from lockstep.share.match import match, sightings_bundle
            from lockstep.share.pseudonym import read_key
            result = match(store, dataset, read_key(keyfile) if keyfile else None)
            out["match"] = result.as_dict()
            if push_sightings and result.sightings:
                sight = sightings_bundle(store, result.dataset, organisation or Settings.load().organisation,
                                         tlp_level.lower())
                res = push_objects(coll, sight["objects"])
                out["sightings_pushed"] = {"objects": res.total, "accepted": res.success, "failed": res.failure}
    if as_json:
        print_json(out)
    else:
        err_console.print(f"pulled {out['objects']} objects from {collection_url}; imported "
                          f"{summary.stored} indicators ({summary.duplicates} already known, "
                          f"{summary.quarantined} quarantined)", highlight=False)
        for why, n in sorted(summary.reasons.items(), key=lambda kv: -kv[1]):
            err_console.print(f"  quarantined {n}: {why}", highlight=False)
        if "match" in out:
            err_console.print(f"matched: {out['match'].get('sightings', 0)} indicators sighted", highlight=False)
        if "sightings_pushed" in out:
            err_console.print(f"pushed {out['sightings_pushed']['accepted']} sighting objects back", highlight=False)
    if got.stopped:
        resume = f"pull the rest with --since {got.last_added}, or " if got.last_added else ""
        err_console.print(f"warning: {got.stopped}; what was read is imported. If the server is trusted, {resume}"
                          "raise the limits (--max-pages, --max-objects, --max-page-bytes).", highlight=False)
        raise SystemExit(1)
