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
    #: hex key of the keyed hashes the analysts' workspace shows instead of private accounts; NULL: off
    Column("pseudonym_key", String(64), nullable=True),
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
    #: the workspace user who acted (``lockstep ui``); API requests name their key in key_id instead
    Column("actor", String(200), nullable=True),
    Index("ix_audit_at", "at_us"),
)

#: one row (id=1): the last object sequence number and date_added handed out
server_state = Table(
    "server_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_date_added_us", BigInteger, nullable=False),
)

# --- the analysts' workspace (lockstep ui) ----------------------------------------------------------

users = Table(
    "users", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("role", String(16), nullable=False),
    #: argon2id, in the PHC string format (parameters and salt included)
    Column("password_hash", String(200), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("disabled_us", BigInteger, nullable=True),
)

#: a signed-in browser: the cookie holds a random token, the table its SHA-256 (a leaked table signs
#: nobody in); ``csrf`` is the token every form of that session must send back
ui_sessions = Table(
    "ui_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Index("ix_ui_sessions_user", "user_id"),
)

#: append-only: a changed mind is a new row; the newest row of a subject is its current verdict
verdicts = Table(
    "verdicts", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at_us", BigInteger, nullable=False),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("author", String(100), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("subject_kind", String(16), nullable=False),  # network | account
    Column("subject", String(400), nullable=False),  # network id, or platform:account_id
    Column("verdict", String(16), nullable=False),  # confirmed | benign | needs_review | note
    Column("reason", Text, nullable=False),
    #: SHA-256 of the network's sorted members when decided: a re-run of detect that renumbers
    #: networks cannot carry a verdict over to a different group of accounts
    Column("members_sha", String(64), nullable=True),
    Column("member_count", Integer, nullable=True),
    Index("ix_verdicts_subject", "dataset", "subject_kind", "subject", "id"),
)
