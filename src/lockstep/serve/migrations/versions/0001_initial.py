"""Initial schema: organisations, keys, API roots, collections, rights, objects, statuses, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(64), nullable=False, unique=True),
        sa.Column("organisation_id", sa.BigInteger, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("hash_alg", sa.String(32), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("revoked_us", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "api_roots",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("api_root_id", sa.BigInteger, sa.ForeignKey("api_roots.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("alias", sa.String(100), nullable=True),
        sa.Column("owner_org_id", sa.BigInteger, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("community_read", sa.Boolean, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "collection_rights",
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("organisation_id", sa.BigInteger, sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("can_read", sa.Boolean, nullable=False),
        sa.Column("can_write", sa.Boolean, nullable=False),
    )
    op.create_table(
        "objects",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("object_type", sa.String(100), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("version_us", sa.BigInteger, nullable=False),
        sa.Column("spec_version", sa.String(10), nullable=False),
        sa.Column("date_added_us", sa.BigInteger, nullable=False),
        sa.Column("tlp", sa.SmallInteger, nullable=False),
        sa.Column("owner_org_id", sa.BigInteger, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("is_first", sa.Boolean, nullable=False),
        sa.Column("is_last", sa.Boolean, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("collection_id", "object_id", "version_us", name="uq_objects_version"),
    )
    op.create_index("ix_objects_collection_seq", "objects", ["collection_id", "seq"])
    op.create_index("ix_objects_collection_added", "objects", ["collection_id", "date_added_us"])
    op.create_table(
        "statuses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("api_root_id", sa.BigInteger, sa.ForeignKey("api_roots.id"), nullable=False),
        sa.Column("collection_id", sa.String(36), nullable=False),
        sa.Column("organisation_id", sa.BigInteger, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("request_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_count", sa.Integer, nullable=False),
        sa.Column("success_count", sa.Integer, nullable=False),
        sa.Column("failure_count", sa.Integer, nullable=False),
        sa.Column("pending_count", sa.Integer, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.Text, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("remote", sa.String(100), nullable=True),
    )
    op.create_index("ix_audit_at", "audit_log", ["at_us"])
    state = op.create_table(
        "server_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_date_added_us", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "last_seq": 0, "last_date_added_us": 0}])


def downgrade() -> None:
    for name in ("server_state", "audit_log", "statuses", "objects", "collection_rights", "collections",
                 "api_roots", "api_keys", "organisations"):
        op.drop_table(name)
