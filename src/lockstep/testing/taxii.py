"""A sharing-server database with one organisation, one key and one collection, for tests,
benchmarks and fuzzing that need a server to talk to."""

from __future__ import annotations

from lockstep.serve import admin
from lockstep.serve.database import make_engine, upgrade


def one_org_server(database_url: str, *, org: str = "acme", title: str = "test") -> tuple[tuple[str, str], str]:
    """Create the schema at ``database_url``, organisation ``org`` with an API key and a collection
    it owns. Returns ``((key_id, secret), collection_id)``."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        admin.add_org(engine, org)
        key = admin.create_key(engine, org)
        cid = str(admin.add_collection(engine, title=title, owner=org)["id"])
    finally:
        engine.dispose()
    return (key["key_id"], key["secret"]), cid
