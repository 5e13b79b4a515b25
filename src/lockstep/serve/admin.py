"""Administration of the sharing server: organisations, API keys, API roots and collections.

The CLI (``lockstep admin ...``) and the tests call these functions; each acts on the same
database as the server, and each change is written to the audit log with the acting user.
"""

from __future__ import annotations

import getpass
import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from lockstep.errors import ConfigError
from lockstep.serve import audit, keys
from lockstep.serve.database import now_us
from lockstep.serve.schema import api_keys, api_roots, collection_rights, collections, organisations

DEFAULT_API_ROOT = "lockstep"
_ROOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
COMMUNITY = "*"


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _org_id(conn: Connection, name: str) -> int:
    oid = conn.execute(select(organisations.c.id).where(organisations.c.name == name)).scalar()
    if oid is None:
        known = conn.execute(select(organisations.c.name).order_by(organisations.c.name)).scalars().all()
        raise ConfigError(
            f"Unknown organisation {name!r}. Known: {', '.join(known) or 'none'}. "
            "Add it with `lockstep admin org add NAME`."
        )
    return int(oid)


def add_org(engine: Engine, name: str) -> dict[str, Any]:
    name = name.strip()
    if not name or name == COMMUNITY:
        raise ConfigError(f"An organisation needs a non-empty name other than '*'. Got {name!r}.")
    with engine.begin() as conn:
        if conn.execute(select(organisations.c.id).where(organisations.c.name == name)).scalar() is not None:
            raise ConfigError(f"The organisation {name!r} already exists (see `lockstep admin org list`).")
        oid = conn.execute(insert(organisations).values(name=name, created_us=now_us())).inserted_primary_key[0]  # type: ignore[index]
        audit.record(conn, action="admin.org.add", outcome="ok", organisation=_actor(), target=name)
    return {"id": int(oid), "name": name}


def list_orgs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(organisations.c.id, organisations.c.name).order_by(organisations.c.name))
        return [{"id": r.id, "name": r.name} for r in rows]


def create_key(engine: Engine, org: str) -> dict[str, Any]:
    """A new key for ``org``. The secret is returned once and only its salted hash is stored."""
    new = keys.generate()
    salt = keys.new_salt()
    with engine.begin() as conn:
        oid = _org_id(conn, org)
        conn.execute(insert(api_keys).values(
            key_id=new.key_id, organisation_id=oid, hash_alg=keys.HASH_ALG, salt=salt,
            secret_hash=keys.hash_secret(new.secret, salt), created_us=now_us()))
        audit.record(conn, action="admin.key.create", outcome="ok", organisation=_actor(),
                     key_id=new.key_id, target=org)
    return {"key_id": new.key_id, "secret": new.secret, "organisation": org}


def revoke_key(engine: Engine, key_id: str) -> dict[str, Any]:
    with engine.begin() as conn:
        n = conn.execute(update(api_keys).where(api_keys.c.key_id == key_id, api_keys.c.revoked_us.is_(None))
                         .values(revoked_us=now_us())).rowcount
        if not n:
            raise ConfigError(f"No active key with id {key_id!r} (see `lockstep admin key list`).")
        audit.record(conn, action="admin.key.revoke", outcome="ok", organisation=_actor(), key_id=key_id)
    return {"key_id": key_id, "revoked": True}


def list_keys(engine: Engine, org: str | None = None) -> list[dict[str, Any]]:
    q = (select(api_keys.c.key_id, organisations.c.name, api_keys.c.created_us, api_keys.c.revoked_us)
         .join(organisations, organisations.c.id == api_keys.c.organisation_id).order_by(api_keys.c.id))
    if org:
        q = q.where(organisations.c.name == org)
    with engine.connect() as conn:
        return [{"key_id": r.key_id, "organisation": r.name, "created_us": r.created_us,
                 "revoked": r.revoked_us is not None} for r in conn.execute(q)]


def ensure_api_root(conn: Connection, name: str, *, title: str | None = None) -> int:
    if not _ROOT_NAME.match(name) or name == "taxii2":
        raise ConfigError(
            f"The API root name {name!r} must be letters, digits, '.', '_' or '-' (not 'taxii2'), "
            "because it becomes a URL path segment."
        )
    rid = conn.execute(select(api_roots.c.id).where(api_roots.c.name == name)).scalar()
    if rid is None:
        res = conn.execute(insert(api_roots).values(
            name=name, title=title or f"Lockstep sharing: {name}",
            description="Coordinated-inauthentic-behaviour findings shared as STIX 2.1."))
        rid = res.inserted_primary_key[0]  # type: ignore[index]
    return int(rid)


def _split(names: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for chunk in names or []:
        out += [n.strip() for n in chunk.split(",") if n.strip()]
    return out


def add_collection(engine: Engine, *, title: str, owner: str, api_root: str = DEFAULT_API_ROOT,
                   collection_id: str | None = None, read: Iterable[str] | None = None,
                   write: Iterable[str] | None = None, description: str | None = None,
                   alias: str | None = None) -> dict[str, Any]:
    """A collection under ``api_root`` (created when missing). The owner may read and write; ``read``
    and ``write`` name other organisations; ``'*'`` in ``read`` lets every organisation read its
    CLEAR/GREEN objects (community read)."""
    try:
        cid = str(uuid.UUID(collection_id)) if collection_id else str(uuid.uuid4())
    except ValueError as exc:
        raise ConfigError(f"--id must be a UUID such as {uuid.uuid4()}. Got {collection_id!r}.") from exc
    readers, writers = _split(read), _split(write)
    if COMMUNITY in writers:
        raise ConfigError("'*' (every organisation) is allowed for --read only, never for --write.")
    with engine.begin() as conn:
        if conn.execute(select(collections.c.id).where(collections.c.id == cid)).scalar():
            raise ConfigError(f"A collection with id {cid} already exists.")
        rid = ensure_api_root(conn, api_root)
        owner_id = _org_id(conn, owner)
        rights: dict[int, list[bool]] = {owner_id: [True, True]}
        for name in readers:
            if name != COMMUNITY:
                rights.setdefault(_org_id(conn, name), [False, False])[0] = True
        for name in writers:
            rights.setdefault(_org_id(conn, name), [False, False])[1] = True
        conn.execute(insert(collections).values(
            id=cid, api_root_id=rid, title=title, description=description, alias=alias,
            owner_org_id=owner_id, community_read=COMMUNITY in readers, created_us=now_us()))
        conn.execute(insert(collection_rights), [
            {"collection_id": cid, "organisation_id": oid, "can_read": r, "can_write": w}
            for oid, (r, w) in rights.items()])
        audit.record(conn, action="admin.collection.add", outcome="ok", organisation=_actor(),
                     target=f"{api_root}/collections/{cid}",
                     detail=f"owner={owner} read={','.join(readers)} write={','.join(writers)}")
    return {"id": cid, "api_root": api_root, "title": title, "owner": owner,
            "read": sorted({owner, *readers}), "write": sorted({owner, *writers})}


def list_collections(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(organisations.c.id, organisations.c.name))}
        rights: dict[str, tuple[list[str], list[str]]] = {}
        for r in conn.execute(select(collection_rights)):
            rd, wr = rights.setdefault(r.collection_id, ([], []))
            if r.can_read:
                rd.append(names[r.organisation_id])
            if r.can_write:
                wr.append(names[r.organisation_id])
        q = (select(collections, api_roots.c.name.label("root"))
             .join(api_roots, api_roots.c.id == collections.c.api_root_id).order_by(api_roots.c.name,
                                                                                   collections.c.title))
        out = []
        for c in conn.execute(q):
            rd, wr = rights.get(c.id, ([], []))
            out.append({"id": c.id, "api_root": c.root, "title": c.title, "owner": names[c.owner_org_id],
                        "read": sorted(rd) + ([COMMUNITY] if c.community_read else []), "write": sorted(wr)})
        return out
