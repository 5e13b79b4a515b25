"""API keys are stored only as salted hashes, verified in constant time, and revocable."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from lockstep.serve import admin, keys
from lockstep.serve.database import make_engine, upgrade
from lockstep.serve.schema import api_keys, metadata
from tests.serve.conftest import Deployment


def test_secret_is_not_stored_anywhere_in_the_database(deployment: Deployment) -> None:
    new = admin.create_key(deployment.engine, "acme")
    assert new["secret"].startswith(new["key_id"] + ".")  # the secret names its key (Bearer alone)
    assert len(new["secret"].split(".", 1)[1]) >= 43  # 256 random bits, URL-safe base64
    with deployment.engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == new["key_id"])).one()
        assert new["secret"] not in " ".join(str(v) for v in row)
        assert row.secret_hash == keys.hash_secret(new["secret"], row.salt)
        for table in metadata.sorted_tables:  # no table holds the secret in any column
            for r in conn.execute(select(table)):
                assert new["secret"] not in " ".join(map(str, r)), table.name
    if deployment.backend == "sqlite":  # nor do the database file's bytes (WAL included)
        path = Path(deployment.database_url.removeprefix("sqlite:///"))
        for f in path.parent.glob(path.name + "*"):
            assert new["secret"].encode() not in f.read_bytes()


def test_each_key_has_its_own_salt(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    upgrade(engine)
    admin.add_org(engine, "org")
    a, b = admin.create_key(engine, "org"), admin.create_key(engine, "org")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT salt, secret_hash FROM api_keys")).all()
    assert len({r.salt for r in rows}) == 2 and len({r.secret_hash for r in rows}) == 2
    assert a["key_id"] != b["key_id"]
    engine.dispose()


def test_verify_and_token_split() -> None:
    salt = keys.new_salt()
    h = keys.hash_secret("s3cret", salt)
    assert keys.verify("s3cret", salt, h)
    assert not keys.verify("s3cret!", salt, h)
    assert not keys.verify("s3cret", keys.new_salt(), h)
    assert not keys.verify("s3cret", salt, h, alg="md5")
    assert keys.split_token("lsk_abc.def.ghi") == ("lsk_abc", "lsk_abc.def.ghi")
    assert keys.split_token("no-dot") is None
    assert keys.split_token("other.secret") is None
