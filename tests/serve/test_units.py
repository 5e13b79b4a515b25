"""Pieces of the server that need no running server: timestamps, paging tokens, media types,
TLP ranks and the schema check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lockstep.errors import StoreError
from lockstep.serve import filters
from lockstep.serve.database import check_current, make_engine, upgrade
from lockstep.serve.http import TaxiiError, accepts_taxii
from lockstep.serve.timestamps import format_us, parse_us
from lockstep.share import tlp
from tests.serve.conftest import TLP


@given(st.integers(min_value=0, max_value=253402300799 * 10**6))
def test_timestamps_round_trip(us: int) -> None:
    assert parse_us(format_us(us)) == us


def test_timestamp_parsing() -> None:
    assert parse_us("1970-01-01T00:00:01Z") == 1_000_000
    assert parse_us("1970-01-01T00:00:00.123456789Z") == 123456  # beyond microseconds: truncated
    assert parse_us("1970-01-01T01:00:00+01:00") == 0
    for bad in ("yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T00:00:00"):
        with pytest.raises(ValueError, match=r"2024|yesterday"):
            parse_us(bad)


@given(st.integers(min_value=0, max_value=2**62))
def test_next_token_round_trip(seq: int) -> None:
    assert filters.decode_next(filters.encode_next(seq)) == seq


@pytest.mark.parametrize("token", ["", "abc", "eyJ2IjoyLCJzIjoxfQ", "eyJ2IjoxLCJzIjotMX0", "!!!"])
def test_foreign_tokens_are_refused(token: str) -> None:
    with pytest.raises(TaxiiError) as err:
        filters.decode_next(token)
    assert err.value.status == 400


@pytest.mark.parametrize(("accept", "ok"), [
    (None, True), ("application/taxii+json;version=2.1", True), ("application/taxii+json", True),
    ("*/*", True), ("application/*;q=0.1", True), ("application/json", False),
    ("application/taxii+json;version=2.0", False), ("application/taxii+json;version=2.1;q=0", False),
    ("text/html, application/xhtml+xml", False)])
def test_accept_negotiation(accept: str | None, ok: bool) -> None:
    assert accepts_taxii(accept) is ok


def test_tlp_rank_takes_the_strictest_marking() -> None:
    assert tlp.rank({}) == tlp.UNMARKED
    assert tlp.rank({"object_marking_refs": [TLP["green"]]}) == tlp.GREEN
    assert tlp.rank({"object_marking_refs": [TLP["green"], TLP["red"]]}) == tlp.RED
    assert tlp.rank({"object_marking_refs": [TLP["clear"]],
                     "granular_markings": [{"marking_ref": TLP["amber+strict"], "selectors": ["name"]}]}) \
        == tlp.AMBER_STRICT
    # TLP 1.0 ids count as their 2.0 level
    assert tlp.rank({"object_marking_refs": ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}) == tlp.RED


def test_an_old_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with pytest.raises(StoreError, match="lockstep admin db upgrade"):
        check_current(engine)
    upgrade(engine)
    check_current(engine)
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migration_scopes_stored_objects_by_owner(tmp_path: Path, backend: str) -> None:
    """0001 -> head keeps stored objects and lets two organisations hold the same id."""
    from alembic import command
    from sqlalchemy import insert, select

    from lockstep.serve import admin
    from lockstep.serve.database import _alembic_config
    from lockstep.serve.schema import objects
    from tests.serve.conftest import _pg_database_url

    urls = iter([f"sqlite:///{tmp_path / 'mig.sqlite'}"]) if backend == "sqlite" else _pg_database_url()
    engine = make_engine(next(urls))
    try:
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        ids = [admin.add_org(engine, name)["id"] for name in ("one", "two")]
        cid = admin.add_collection(engine, title="c", owner="one")["id"]
        row = {"collection_id": cid, "object_id": "indicator--00000000-0000-4000-8000-000000000001",
               "object_type": "indicator", "version": "v", "version_us": 1, "spec_version": "2.1",
               "date_added_us": 1, "tlp": 5, "is_first": True, "is_last": True, "body": "{}"}
        with engine.begin() as conn:
            conn.execute(insert(objects), [dict(row, seq=1, owner_org_id=ids[0])])
        upgrade(engine)
        check_current(engine)
        with engine.begin() as conn:
            conn.execute(insert(objects), [dict(row, seq=2, owner_org_id=ids[1])])
            assert [r.owner_org_id for r in conn.execute(select(objects).order_by(objects.c.seq))] == ids
    finally:
        engine.dispose()
        for _ in urls:
            pass


def test_migration_reclassifies_stored_markings(tmp_path: Path) -> None:
    """Objects stored as "unmarked" by older versions (an upper-case RED ref, a custom AMBER
    definition) get their real level on upgrade."""
    import json

    from alembic import command
    from sqlalchemy import insert, select

    from lockstep.serve import admin
    from lockstep.serve.database import _alembic_config
    from lockstep.serve.schema import objects

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    org = admin.add_org(engine, "one")["id"]
    cid = admin.add_collection(engine, title="c", owner="one")["id"]
    amber = {"type": "marking-definition", "id": "marking-definition--0a0a0a0a-0000-4000-8000-000000000001",
             "extensions": {tlp.TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber"}}}
    bodies = [amber, {"object_marking_refs": [TLP["red"].upper()]}, {"object_marking_refs": [amber["id"]]},
              {"object_marking_refs": [TLP["green"]]}]
    with engine.begin() as conn:
        conn.execute(insert(objects), [
            {"seq": i, "collection_id": cid, "object_id": b.get("id", f"x-t--00000000-0000-4000-8000-00000000000{i}"),
             "object_type": "marking-definition" if i == 1 else "x-t", "version": "v", "version_us": 1,
             "spec_version": "2.1", "date_added_us": i, "tlp": 2 if i == 4 else 0, "owner_org_id": org,
             "is_first": True, "is_last": True, "body": json.dumps(b)} for i, b in enumerate(bodies, 1)])
    upgrade(engine)
    with engine.connect() as conn:
        assert [r.tlp for r in conn.execute(select(objects.c.tlp).order_by(objects.c.seq))] == \
            [tlp.UNMARKED, tlp.RED, tlp.AMBER, tlp.GREEN]
    engine.dispose()
