"""``lockstep admin``: organisations, API keys, collections, audit log and database schema of the
sharing server. Every command acts on the server database (``--database-url``, else
``$LOCKSTEP_DATABASE_URL``, else ``sqlite:///lockstep-server.sqlite``) and upgrades its schema first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from lockstep.cli.common import err_console, json_option, print_json, print_table
from lockstep.config import Settings

F = TypeVar("F", bound=Callable[..., Any])


def database_option(f: F) -> F:
    return click.option("--database-url", default=None,
                        help="SQLAlchemy URL of the server database. Default: $LOCKSTEP_DATABASE_URL, else "
                             "sqlite:///lockstep-server.sqlite.")(f)


def _engine(database_url: str | None) -> Engine:
    from lockstep.serve.database import make_engine, upgrade
    engine = make_engine(database_url or Settings.load().database_url)
    upgrade(engine)
    return engine


def _ts(us: int | None) -> str:
    return "" if us is None else datetime.fromtimestamp(us / 1e6, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.group()
def admin() -> None:
    """Manage the sharing server: organisations, API keys, collections, audit log, schema."""


@admin.group()
def org() -> None:
    """Organisations (the parties that hold keys and rights)."""


@org.command("add")
@click.argument("name")
@database_option
@json_option
def org_add(name: str, database_url: str | None, as_json: bool) -> None:
    """Add the organisation NAME."""
    from lockstep.serve import admin as lib
    out = lib.add_org(_engine(database_url), name)
    print_json(out) if as_json else err_console.print(f"added organisation {out['name']!r}", highlight=False)


@org.command("list")
@database_option
@json_option
def org_list(database_url: str | None, as_json: bool) -> None:
    """List organisations."""
    from lockstep.serve import admin as lib
    rows = lib.list_orgs(_engine(database_url))
    print_json(rows) if as_json else print_table("organisations", ["id", "name"], [(r["id"], r["name"]) for r in rows])


@org.command("pseudonymize")
@click.argument("name")
@click.option("--on/--off", default=True, show_default=True,
              help="Show private accounts as keyed hashes in the workspace to this organisation's users.")
@database_option
def org_pseudonymize(name: str, on: bool, database_url: str | None) -> None:
    """Turn pseudonymization in the workspace (`lockstep ui`) on or off for organisation NAME."""
    from lockstep.serve.admin import _actor
    from lockstep.ui import users
    users.set_pseudonymize(_engine(database_url), name, on, actor=_actor())
    err_console.print(f"pseudonymization {'on' if on else 'off'} for {name!r}", highlight=False)


@admin.group()
def user() -> None:
    """Users of the analysts' workspace (`lockstep ui`), each in one organisation with one role."""


@user.command("add")
@click.argument("username")
@click.option("--org", "org_name", required=True, help="Organisation the user belongs to.")
@click.option("--role", type=click.Choice(["viewer", "analyst", "admin"]), default="analyst", show_default=True,
              help="viewer: reads; analyst: also records verdicts and notes, exports, reads the organisation's "
                   "audit log; admin: as analyst.")
@click.option("--password-stdin", is_flag=True, default=False,
              help="Read the password from the first line of standard input instead of prompting.")
@database_option
@json_option
def user_add(username: str, org_name: str, role: str, password_stdin: bool, database_url: str | None,
             as_json: bool) -> None:
    """Add a workspace user; the password (12+ characters) is stored as an argon2id hash."""
    import sys

    from lockstep.serve.admin import _actor
    from lockstep.ui import users
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    out = users.add_user(_engine(database_url), username, org_name, role, password, actor=_actor())
    print_json(out) if as_json else err_console.print(
        f"added {role} {username!r} to organisation {org_name!r}", highlight=False)


@user.command("list")
@database_option
@json_option
def user_list(database_url: str | None, as_json: bool) -> None:
    """List workspace users."""
    from lockstep.ui import users
    rows = users.list_users(_engine(database_url))
    if as_json:
        print_json(rows)
    else:
        print_table("users", ["username", "organisation", "role", "created", "disabled"],
                    [(r["username"], r["organisation"], r["role"], _ts(r["created_us"]), _ts(r["disabled_us"]))
                     for r in rows])


@admin.group()
def key() -> None:
    """API keys (one organisation each; the secret is shown once and stored hashed)."""


@key.command("create")
@click.option("--org", "org_name", required=True, help="Organisation that the key acts for.")
@database_option
@json_option
def key_create(org_name: str, database_url: str | None, as_json: bool) -> None:
    """Create a key and print its key id and secret once (the secret cannot be shown again).

    Use them as HTTP Basic user and password, or send `Authorization: Bearer <secret>` (the
    secret starts with the key id, so it identifies the key on its own).
    """
    from lockstep.serve import admin as lib
    out = lib.create_key(_engine(database_url), org_name)
    if as_json:
        print_json(out)
    else:
        click.echo(f"key_id: {out['key_id']}\nsecret: {out['secret']}")
        err_console.print("Store the secret now: only its salted hash is kept.", highlight=False)


@key.command("revoke")
@click.argument("key_id")
@database_option
@json_option
def key_revoke(key_id: str, database_url: str | None, as_json: bool) -> None:
    """Revoke KEY_ID at once (every worker checks keys on each request)."""
    from lockstep.serve import admin as lib
    out = lib.revoke_key(_engine(database_url), key_id)
    print_json(out) if as_json else err_console.print(f"revoked {key_id}", highlight=False)


@key.command("list")
@click.option("--org", "org_name", default=None, help="Only this organisation's keys.")
@database_option
@json_option
def key_list(org_name: str | None, database_url: str | None, as_json: bool) -> None:
    """List key ids (never secrets) with their organisation and state."""
    from lockstep.serve import admin as lib
    rows = lib.list_keys(_engine(database_url), org_name)
    if as_json:
        print_json(rows)
    else:
        print_table("API keys", ["key_id", "organisation", "created", "revoked"],
                    [(r["key_id"], r["organisation"], _ts(r["created_us"]), r["revoked"]) for r in rows])


@admin.group()
def collection() -> None:
    """Collections (under API roots) and who may read and write them."""


@collection.command("add")
@click.option("--id", "collection_id", default=None, help="UUID to use (default: a random one).")
@click.option("--title", required=True, help="Title shown to clients.")
@click.option("--owner", required=True, help="Owning organisation (reads and writes).")
@click.option("--api-root", default="lockstep", show_default=True, help="API root; created when missing.")
@click.option("--read", "read", multiple=True,
              help="Organisations that may read, comma-separated; '*' lets every organisation read the "
                   "CLEAR/GREEN objects.")
@click.option("--write", "write", multiple=True, help="Organisations that may add objects, comma-separated.")
@click.option("--description", default=None, help="Description shown to clients.")
@click.option("--alias", default=None, help="Optional short alias of the collection.")
@database_option
@json_option
def collection_add(collection_id: str | None, title: str, owner: str, api_root: str, read: tuple[str, ...],
                   write: tuple[str, ...], description: str | None, alias: str | None,
                   database_url: str | None, as_json: bool) -> None:
    """Add a collection. An organisation may get read only, write only, or both."""
    from lockstep.serve import admin as lib
    out = lib.add_collection(_engine(database_url), title=title, owner=owner, api_root=api_root,
                             collection_id=collection_id, read=read, write=write, description=description,
                             alias=alias)
    if as_json:
        print_json(out)
    else:
        click.echo(out["id"])
        err_console.print(f"added collection {title!r} under /{api_root}/", highlight=False)


@collection.command("list")
@database_option
@json_option
def collection_list(database_url: str | None, as_json: bool) -> None:
    """List collections with their owner and rights."""
    from lockstep.serve import admin as lib
    rows = lib.list_collections(_engine(database_url))
    if as_json:
        print_json(rows)
    else:
        print_table("collections", ["api_root", "id", "title", "owner", "read", "write"],
                    [(r["api_root"], r["id"], r["title"], r["owner"], ",".join(r["read"]), ",".join(r["write"]))
                     for r in rows])


@admin.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, None), help="Newest N entries.")
@click.option("--org", "org_name", default=None, help="Only entries of this organisation.")
@click.option("--outcome", default=None,
              type=click.Choice(["ok", "partial", "denied", "rejected", "refused", "limited"]),
              help="Only entries with this outcome.")
@database_option
@json_option
def audit_cmd(limit: int, org_name: str | None, outcome: str | None, database_url: str | None, as_json: bool) -> None:
    """Show the audit log: every write and every denied request (who, what, when, outcome)."""
    from lockstep.serve import audit
    rows = audit.entries(_engine(database_url), limit=limit, organisation=org_name, outcome=outcome)
    if as_json:
        print_json(rows)
    else:
        print_table("audit log", ["when", "organisation", "key or user", "action", "target", "outcome", "status",
                                  "detail"],
                    [(_ts(r["at_us"]), r["organisation"], r["key_id"] or r["actor"], r["action"], r["target"], r["outcome"],
                      r["http_status"], r["detail"]) for r in rows])


@admin.group()
def db() -> None:
    """The server database's schema."""


@db.command("upgrade")
@database_option
@json_option
def db_upgrade(database_url: str | None, as_json: bool) -> None:
    """Create or migrate the server database to the newest schema (safe to repeat)."""
    from lockstep.serve.database import make_engine, redact, upgrade
    url = database_url or Settings.load().database_url
    rev = upgrade(make_engine(url))
    if as_json:
        print_json({"database": redact(url), "revision": rev})
    else:
        err_console.print(f"{redact(url)} is at schema revision {rev}", highlight=False)
