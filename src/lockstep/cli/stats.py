"""``lockstep stats``: what the store holds, per dataset and platform.

Kept apart from ``lockstep ingest`` so that it imports only the store (DuckDB) and answers at
once: no adapters, no Arrow, no analysis libraries (``tests/test_cli_startup.py`` checks this).
"""

from __future__ import annotations

from pathlib import Path

import click

from lockstep.cli.common import db_option, json_option, open_store, print_json, print_table


@click.command()
@db_option
@json_option
def stats(db: Path | None, as_json: bool) -> None:
    """Counts of posts, accounts and quarantined records, per dataset and platform."""
    with open_store(db, read_only=True) as store:
        data = store.stats()
    if as_json:
        print_json(data)
        return
    print_table(f"store {data['db']}", ["posts", "accounts", "quarantined", "first post", "last post"],
                [(data["posts"], data["accounts"], data["quarantined"], data["first_post"], data["last_post"])])
    print_table("datasets", ["dataset", "posts", "accounts", "quarantined", "first post", "last post"],
                [(k, v["posts"], v["accounts"], v["quarantined"], v.get("first_post"), v.get("last_post"))
                 for k, v in data["datasets"].items()])
    print_table("platforms", ["platform", "posts", "accounts"],
                [(k, v["posts"], v["accounts"]) for k, v in data["platforms"].items()])
