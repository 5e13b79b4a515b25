"""Stored objects are scoped by the organisation that added them: one organisation's object ids
never collide with another's (no squatting, and an add answers the same whether or not another
organisation holds the id). See docs/server.md, "Security model".

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_constraint("uq_objects_version", type_="unique")
        batch.create_unique_constraint("uq_objects_owner_version",
                                       ["collection_id", "owner_org_id", "object_id", "version_us"])


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_constraint("uq_objects_owner_version", type_="unique")
        batch.create_unique_constraint("uq_objects_version", ["collection_id", "object_id", "version_us"])
