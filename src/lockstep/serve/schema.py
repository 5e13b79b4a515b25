"""Tables of the sharing server (SQLAlchemy Core). Alembic migrations create them; see migrations/.

Times are integer microseconds since the epoch (``*_us``) so SQLite and PostgreSQL compare and
order them exactly the same way. ``objects.seq`` is assigned by the server under a write lock
(see :mod:`lockstep.serve.objects`), so it grows in commit order and is the paging cursor.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: an auto-incrementing 64-bit key on PostgreSQL that is still SQLite's rowid alias
AutoId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

organisations = Table(
    "organisations", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_us", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("key_id", String(64), nullable=False, unique=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("hash_alg", String(32), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger, nullable=True),
)

api_roots = Table(
    "api_roots", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=True),
)

collections = Table(
    "collections", metadata,
    Column("id", String(36), primary_key=True),
    Column("api_root_id", ForeignKey("api_roots.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("alias", String(100), nullable=True),
    Column("owner_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("community_read", Boolean, nullable=False, default=False),
    Column("created_us", BigInteger, nullable=False),
)

collection_rights = Table(
    "collection_rights", metadata,
    Column("collection_id", ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
)

objects = Table(
    "objects", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("collection_id", ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("object_type", String(100), nullable=False),
    Column("version", String(40), nullable=False),
    Column("version_us", BigInteger, nullable=False),
    Column("spec_version", String(10), nullable=False),
    Column("date_added_us", BigInteger, nullable=False),
    Column("tlp", SmallInteger, nullable=False),
    Column("owner_org_id", ForeignKey("organisations.id"), nullable=False),
    Column("is_first", Boolean, nullable=False),
    Column("is_last", Boolean, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("collection_id", "owner_org_id", "object_id", "version_us", name="uq_objects_owner_version"),
    Index("ix_objects_collection_seq", "collection_id", "seq"),
    Index("ix_objects_collection_added", "collection_id", "date_added_us"),
)

statuses = Table(
    "statuses", metadata,
    Column("id", String(36), primary_key=True),
    Column("api_root_id", ForeignKey("api_roots.id"), nullable=False),
    Column("collection_id", String(36), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("request_us", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("pending_count", Integer, nullable=False),
    Column("details", Text, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at_us", BigInteger, nullable=False),
    Column("organisation", String(200), nullable=True),
    Column("key_id", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("detail", Text, nullable=True),
    Column("remote", String(100), nullable=True),
    Index("ix_audit_at", "at_us"),
)

#: one row (id=1): the last object sequence number and date_added handed out
server_state = Table(
    "server_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_date_added_us", BigInteger, nullable=False),
)
