"""Stored STIX objects: adding (under the write lock), reading pages, versions, deleting.

Write lock: every add or delete first updates the single ``server_state`` row. On PostgreSQL that
row lock, on SQLite the database write lock, serialises writers until commit, so the sequence
numbers and ``date_added`` values handed out inside it grow in commit order. ``date_added`` is
strictly increasing (one microsecond apart at least), so ``added_after`` with the last
``X-TAXII-Date-Added-Last`` also pages without ties.

Identity is scoped by owner: a stored version is keyed by (collection, organisation that added it,
object id, version), so one organisation's ids never collide with another's, and what an add
answers depends only on the caller's own objects and on those it may read (see docs/server.md,
"Security model"). Version flags ``is_first``/``is_last`` are kept per (collection, owner, object
id) over all stored versions; TLP rules filter afterwards, so a reader never gets an older version
in place of a newer one it may not see.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, delete, false, insert, or_, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from lockstep.serve.database import now_us
from lockstep.serve.filters import Filters
from lockstep.serve.schema import objects, server_state
from lockstep.serve.timestamps import format_us
from lockstep.serve.validate import Checked

_CHUNK = 500


class byte_length(GenericFunction[int]):
    """Length of a text column in bytes (UTF-8), not characters, on every backend."""

    type = Integer()
    inherit_cache = True


@compiles(byte_length, "sqlite")
def _byte_length_sqlite(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


@compiles(byte_length)
def _byte_length(element: byte_length, compiler: SQLCompiler, **kw: Any) -> str:
    return f"octet_length({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class Reader:
    """Who reads: the organisation id and the highest TLP rank it may see in this collection."""

    org_id: int
    max_tlp: int


@dataclass
class Page:
    rows: list[Any]
    more: bool
    next_seq: int | None


@dataclass
class AddResult:
    successes: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)


def _lock(conn: Connection) -> tuple[int, int]:
    conn.execute(update(server_state).where(server_state.c.id == 1).values(last_seq=server_state.c.last_seq))
    row = conn.execute(select(server_state.c.last_seq, server_state.c.last_date_added_us)
                       .where(server_state.c.id == 1)).one()
    return int(row.last_seq), int(row.last_date_added_us)


def _existing(conn: Connection, collection_id: str, ids: list[str], *,
              owner: int | None = None) -> dict[str, list[Any]]:
    """The stored versions of these ids (only the ``owner``'s, when given), by id."""
    out: dict[str, list[Any]] = defaultdict(list)
    for i in range(0, len(ids), _CHUNK):
        q = select(objects.c.seq, objects.c.object_id, objects.c.version_us, objects.c.is_first,
                   objects.c.is_last, objects.c.owner_org_id).where(
            objects.c.collection_id == collection_id, objects.c.object_id.in_(ids[i:i + _CHUNK]))
        if owner is not None:
            q = q.where(objects.c.owner_org_id == owner)
        for r in conn.execute(q):
            out[r.object_id].append(r)
    return out


def _refresh_flags(conn: Connection, old_rows: Iterable[Any], lo: int, hi: int) -> None:
    """Clear is_first/is_last on older rows that are no longer the first/last version."""
    for r in old_rows:
        first, last = r.version_us == lo, r.version_us == hi
        if first != r.is_first or last != r.is_last:
            conn.execute(update(objects).where(objects.c.seq == r.seq).values(is_first=first, is_last=last))


def add(engine: Engine, collection_id: str, org_id: int, checked: list[Checked],
        failures: list[dict[str, str]] | None = None,
        then: Callable[[Connection, AddResult], None] | None = None) -> AddResult:
    """Store the checked objects in one transaction, as the organisation's own. Re-adding a version
    it stored before succeeds without a new row. Other organisations' objects play no part: the
    answer is the same whether or not another organisation holds the id, and an id another
    organisation added first never blocks this one. ``then`` runs inside the same transaction
    (status resource and audit entry)."""
    result = AddResult(failures=list(failures or []))
    with engine.begin() as conn:
        last_seq, last_added = _lock(conn)
        clock = max(now_us(), last_added + 1)
        existing = _existing(conn, collection_id, sorted({c.object_id for c in checked}), owner=org_id)
        seen: dict[tuple[str, int], bool] = {}
        new_rows: list[dict[str, Any]] = []
        for c in checked:
            vus = c.version_us if c.version_us is not None else clock
            key = (c.object_id, vus)
            if key in seen or any(r.version_us == vus for r in existing.get(c.object_id, [])):
                result.successes.append({"id": c.object_id, "version": c.version or format_us(vus),
                                         "message": "this version was already stored"})
                continue
            seen[key] = True
            last_seq += 1
            new_rows.append({"seq": last_seq, "collection_id": collection_id, "object_id": c.object_id,
                             "object_type": c.object_type, "version": c.version or format_us(vus),
                             "version_us": vus, "spec_version": c.spec_version, "date_added_us": clock,
                             "tlp": c.tlp, "owner_org_id": org_id, "is_first": False, "is_last": False,
                             "body": c.body})
            result.successes.append({"id": c.object_id, "version": c.version or format_us(vus)})
            clock += 1
        by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in new_rows:
            by_id[row["object_id"]].append(row)
        for oid, rows in by_id.items():
            all_v = [r["version_us"] for r in rows] + [r.version_us for r in existing.get(oid, [])]
            lo, hi = min(all_v), max(all_v)
            for row in rows:
                row["is_first"], row["is_last"] = row["version_us"] == lo, row["version_us"] == hi
            _refresh_flags(conn, existing.get(oid, []), lo, hi)
        for i in range(0, len(new_rows), 1000):
            conn.execute(insert(objects), new_rows[i:i + 1000])
        if new_rows:
            conn.execute(update(server_state).where(server_state.c.id == 1)
                         .values(last_seq=last_seq, last_date_added_us=clock - 1))
        if then is not None:
            then(conn, result)
    return result


def definitions(engine: Engine, collection_id: str, org_id: int, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The marking-definitions with these ids that the organisation itself stored in the collection
    (only its own: another organisation must not be able to define what its markings mean)."""
    out: dict[str, dict[str, Any]] = {}
    wanted = sorted(ids)
    with engine.connect() as conn:
        for i in range(0, len(wanted), _CHUNK):
            q = select(objects.c.object_id, objects.c.body).where(
                objects.c.collection_id == collection_id, objects.c.owner_org_id == org_id,
                objects.c.object_type == "marking-definition", objects.c.object_id.in_(wanted[i:i + _CHUNK]))
            for r in conn.execute(q):
                out[r.object_id.lower()] = json.loads(r.body)
    return out


def _visible(reader: Reader) -> Any:
    return or_(objects.c.owner_org_id == reader.org_id, objects.c.tlp <= reader.max_tlp)


def _where(collection_id: str, reader: Reader, f: Filters, object_id: str | None = None) -> list[Any]:
    cond: list[Any] = [objects.c.collection_id == collection_id, _visible(reader)]
    if object_id is not None:
        cond.append(objects.c.object_id == object_id)
    if f.after_seq:
        cond.append(objects.c.seq > f.after_seq)
    if f.added_after_us is not None:
        cond.append(objects.c.date_added_us > f.added_after_us)
    if f.ids:
        cond.append(objects.c.object_id.in_(f.ids))
    if f.types:
        cond.append(objects.c.object_type.in_(f.types))
    if f.spec_versions:
        cond.append(objects.c.spec_version.in_(f.spec_versions))
    if "all" not in f.versions and (f.versions or f.version_us):
        alts: list[Any] = []
        if "first" in f.versions:
            alts.append(objects.c.is_first)
        if "last" in f.versions:
            alts.append(objects.c.is_last)
        if f.version_us:
            alts.append(objects.c.version_us.in_(f.version_us))
        cond.append(or_(*alts) if alts else false())
    return cond


def page(engine: Engine, collection_id: str, reader: Reader, f: Filters, *, columns: list[Any],
         object_id: str | None = None, max_bytes: int | None = None) -> Page:
    """One page of at most ``f.limit`` rows; with ``max_bytes``, also at most that many bytes of
    stored JSON (at least one row), measured in SQL before any body is read."""
    where = and_(*_where(collection_id, reader, f, object_id))
    with engine.connect() as conn:
        if max_bytes is None:
            q = select(objects.c.seq, objects.c.date_added_us, *columns).where(where)
            found = list(conn.execute(q.order_by(objects.c.seq).limit(f.limit + 1)))
            more = len(found) > f.limit
            found = found[:f.limit]
            return Page(found, more, found[-1].seq if more else None)
        sizes = list(conn.execute(select(objects.c.seq, byte_length(objects.c.body).label("n")).where(where)
                                  .order_by(objects.c.seq).limit(f.limit + 1)))
        keep: list[int] = []
        total = 0
        for r in sizes[:f.limit]:
            total += int(r.n) + 1
            if keep and total > max_bytes:
                break
            keep.append(r.seq)
        rows: list[Any] = []
        for i in range(0, len(keep), _CHUNK):
            rows += conn.execute(select(objects.c.seq, objects.c.date_added_us, *columns)
                                 .where(objects.c.seq.in_(keep[i:i + _CHUNK])).order_by(objects.c.seq))
    more = len(sizes) > len(keep)
    return Page(rows, more, rows[-1].seq if more and rows else None)


def remove(engine: Engine, collection_id: str, object_id: str, reader: Reader, f: Filters, *,
           owned_by: int | None, then: Callable[[Connection, int], None] | None = None) -> int:
    """Delete the matching versions the organisation may see; with ``owned_by``, only the versions
    that organisation added (the collection's owner may delete any version it can see)."""
    with engine.begin() as conn:
        _lock(conn)
        cond = _where(collection_id, reader, f, object_id)
        if owned_by is not None:
            cond.append(objects.c.owner_org_id == owned_by)
        seqs = [r.seq for r in conn.execute(select(objects.c.seq).where(and_(*cond)))]
        if not seqs:
            return 0
        conn.execute(delete(objects).where(objects.c.seq.in_(seqs)))
        by_owner: dict[int, list[Any]] = defaultdict(list)
        for r in _existing(conn, collection_id, [object_id]).get(object_id, []):
            by_owner[r.owner_org_id].append(r)
        for rest in by_owner.values():
            vs = [r.version_us for r in rest]
            _refresh_flags(conn, rest, min(vs), max(vs))
        if then is not None:
            then(conn, len(seqs))
    return len(seqs)
