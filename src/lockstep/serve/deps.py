"""What every TAXII route needs: who is asking (API key), which API root and collection, and
whether that organisation may read or write there. Denials are written to the audit log.

Visibility: an organisation *sees* a collection when it owns it, holds any right on it, or the
collection is community-readable. Collections it cannot see answer 404, exactly like unknown
ones, so ids of other partners' collections do not leak; seen but not permitted answers 403.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, select
from starlette.requests import Request

from lockstep.serve import audit, keys
from lockstep.serve.http import TaxiiError, check_accept
from lockstep.serve.objects import Reader
from lockstep.serve.schema import api_keys, api_roots, collection_rights, collections, organisations
from lockstep.share import tlp

#: only well-formed key ids reach the audit log: a secret typed into the user field must not
_KEY_ID = re.compile(r"^lsk_[0-9a-f]{16}$")
#: the strictest TLP rank a named reader / a community reader may see besides its own objects (RED:
#: only the organisation that added it); unclassifiable markings rank as RED (see lockstep.share.tlp)
NAMED_READER_MAX, COMMUNITY_READER_MAX = tlp.AMBER_STRICT, tlp.GREEN
CHALLENGE = 'Basic realm="lockstep", charset="UTF-8", Bearer realm="lockstep"'

# Built once: every request runs these, and building SQLAlchemy statements costs more than running them.
_KEY_QUERY = (select(api_keys.c.salt, api_keys.c.secret_hash, api_keys.c.hash_alg, organisations.c.id,
                     organisations.c.name)
              .join(organisations, organisations.c.id == api_keys.c.organisation_id)
              .where(api_keys.c.key_id == bindparam("key_id"), api_keys.c.revoked_us.is_(None)))
_ROOT_QUERY = select(api_roots).where(api_roots.c.name == bindparam("name"))
_ACCESS_QUERY = (select(collections, collection_rights.c.can_read, collection_rights.c.can_write,
                        api_roots.c.id.label("root_id"), api_roots.c.name.label("root_name"),
                        api_roots.c.title.label("root_title"), api_roots.c.description.label("root_description"))
                 .join(api_roots, api_roots.c.id == collections.c.api_root_id)
                 .outerjoin(collection_rights, (collection_rights.c.collection_id == collections.c.id)
                            & (collection_rights.c.organisation_id == bindparam("org_id")))
                 .where(collections.c.id == bindparam("collection_id"), api_roots.c.name == bindparam("root_name")))


@dataclass(frozen=True)
class Principal:
    org_id: int
    org_name: str
    key_id: str


@dataclass(frozen=True)
class Root:
    id: int
    name: str
    title: str
    description: str | None


@dataclass(frozen=True)
class Access:
    root: Root
    collection: dict[str, object]
    can_read: bool
    can_write: bool
    named_read: bool
    owner: bool

    def reader(self, who: Principal) -> Reader:
        return Reader(who.org_id, NAMED_READER_MAX if self.named_read else COMMUNITY_READER_MAX)


def engine_of(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def remote(request: Request) -> str | None:
    return request.client.host if request.client else None


def deny(request: Request, err: TaxiiError, *, action: str, who: Principal | None = None,
         key_id: str | None = None) -> TaxiiError:
    """Record the denial (rate-limited per address when there is no valid key) and return ``err``."""
    detail: str | None = err.title
    if who is None:
        write, note = request.app.state.audit_limiter.admit(remote(request))
        if not write:
            return err
        detail = f"{err.title}; {note}" if note else err.title
    audit.record(engine_of(request), action=action, outcome="denied", http_status=err.status,
                 organisation=who.org_name if who else None, key_id=who.key_id if who else key_id,
                 target=request.url.path, detail=detail, remote=remote(request))
    return err


def _credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            user, sep, pw = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, pw) if sep else None
    if scheme.lower() == "bearer":
        return keys.split_token(value)
    return None


def authenticate(request: Request, action: str, conn: Connection | None = None) -> Principal:
    creds = _credentials(request)
    if creds is None:
        raise deny(request, TaxiiError(401, "Unauthorized", "Send an API key: HTTP Basic (user = key id, "
                   "password = secret) or 'Authorization: Bearer <secret>'.",
                   headers={"WWW-Authenticate": CHALLENGE}), action=action)
    key_id, secret = creds
    if conn is None:
        with engine_of(request).connect() as own:
            row = own.execute(_KEY_QUERY, {"key_id": key_id}).first()
    else:
        row = conn.execute(_KEY_QUERY, {"key_id": key_id}).first()
    if row is None or not keys.verify(secret, row.salt, row.secret_hash, row.hash_alg):
        raise deny(request, TaxiiError(401, "Unauthorized", "Unknown, revoked or wrong API key.",
                                       headers={"WWW-Authenticate": CHALLENGE}),
                   action=action, key_id=key_id if _KEY_ID.match(key_id) else "<malformed>")
    return Principal(int(row.id), row.name, key_id)


def resolve_root(request: Request, name: str) -> Root:
    with engine_of(request).connect() as conn:
        row = conn.execute(_ROOT_QUERY, {"name": name}).first()
    if row is None:
        raise TaxiiError(404, "Not Found", f"There is no API root {name!r} on this server.")
    return Root(int(row.id), row.name, row.title, row.description)


def collection_access(request: Request, who: Principal, api_root: str, collection_id: str, *,
                      need: str | None, action: str, conn: Connection) -> Access:
    """The collection and the organisation's rights on it (one query, API root included);
    404 when the root or collection is unknown or unseen, 403 without ``need``."""
    row = conn.execute(_ACCESS_QUERY, {"org_id": who.org_id, "collection_id": collection_id,
                                       "root_name": api_root}).first()
    if row is None:
        resolve_root(request, api_root)  # 404 naming the unknown API root, if that is what is missing
    not_found = TaxiiError(404, "Not Found", f"There is no collection {collection_id!r} in API root "
                           f"{api_root!r} that this organisation can see.")
    if row is None:
        raise not_found
    owner = row.owner_org_id == who.org_id
    named_read = owner or bool(row.can_read)
    can_read = named_read or bool(row.community_read)
    can_write = owner or bool(row.can_write)
    if not (can_read or can_write):
        raise deny(request, not_found, action=action, who=who)
    root = Root(int(row.root_id), row.root_name, row.root_title, row.root_description)
    access = Access(root, dict(row._mapping), can_read, can_write, named_read, owner)
    if (need == "read" and not can_read) or (need == "write" and not can_write):
        raise deny(request, TaxiiError(403, "Forbidden", f"Organisation {who.org_name!r} has no {need} "
                                       f"right on collection {collection_id}."), action=action, who=who)
    return access


def authorize(request: Request, api_root: str, collection_id: str, *, need: str | None,
              action: str) -> tuple[Principal, Access]:
    """Authenticate, check the Accept header, and resolve the collection, on one connection."""
    with engine_of(request).connect() as conn:
        who = authenticate(request, action, conn)
        check_accept(request)
        return who, collection_access(request, who, api_root, collection_id, need=need, action=action,
                                      conn=conn)


def visible_collections(request: Request, who: Principal, root: Root) -> list[Access]:
    q = (select(collections, collection_rights.c.can_read, collection_rights.c.can_write)
         .outerjoin(collection_rights, (collection_rights.c.collection_id == collections.c.id)
                    & (collection_rights.c.organisation_id == who.org_id))
         .where(collections.c.api_root_id == root.id).order_by(collections.c.created_us, collections.c.id))
    out = []
    with engine_of(request).connect() as conn:
        for row in conn.execute(q):
            owner = row.owner_org_id == who.org_id
            named = owner or bool(row.can_read)
            can_read, can_write = named or bool(row.community_read), owner or bool(row.can_write)
            if can_read or can_write:
                out.append(Access(root, dict(row._mapping), can_read, can_write, named, owner))
    return out
