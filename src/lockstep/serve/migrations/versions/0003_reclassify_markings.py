"""Re-classify the TLP level of every stored object with the one TLP module.

Before this revision, markings the server did not recognise (refs sent as a string or in upper case,
custom marking-definitions, ids nobody defined) were stored as "unmarked" and served to every
reader. Each stored version is classified again with :func:`lockstep.share.tlp.rank` (definitions:
the marking-definitions the same organisation stored in the same collection); the stored level only
ever becomes stricter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from lockstep.share import tlp

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_objects = sa.table("objects", sa.column("seq", sa.BigInteger), sa.column("collection_id", sa.String),
                    sa.column("owner_org_id", sa.BigInteger), sa.column("object_id", sa.String),
                    sa.column("object_type", sa.String), sa.column("tlp", sa.SmallInteger),
                    sa.column("body", sa.Text))


def upgrade() -> None:
    conn = op.get_bind()
    definitions: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
    for d in conn.execute(sa.select(_objects.c.collection_id, _objects.c.owner_org_id, _objects.c.object_id,
                                    _objects.c.body).where(_objects.c.object_type == "marking-definition")):
        definitions[(d.collection_id, d.owner_org_id)][d.object_id.lower()] = json.loads(d.body)
    last = 0
    while True:
        rows = conn.execute(sa.select(_objects.c.seq, _objects.c.collection_id, _objects.c.owner_org_id,
                                      _objects.c.tlp, _objects.c.body)
                            .where(_objects.c.seq > last).order_by(_objects.c.seq).limit(1000)).all()
        if not rows:
            break
        last = rows[-1].seq
        for r in rows:
            try:
                obj = json.loads(r.body)
            except ValueError:
                obj = None  # unreadable: unclassifiable
            level = tlp.rank(obj, definitions.get((r.collection_id, r.owner_org_id))) \
                if isinstance(obj, dict) else tlp.RED
            if level > r.tlp:
                conn.execute(sa.update(_objects).where(_objects.c.seq == r.seq).values(tlp=level))


def downgrade() -> None:
    """Levels made stricter stay strict (nothing to undo safely)."""
