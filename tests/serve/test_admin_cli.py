"""``lockstep admin ...`` through the real command line: --json output, errors, same database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.serve.database import head_revision


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCKSTEP_DATABASE_URL", f"sqlite:///{tmp_path / 'admin.sqlite'}")
    runner = CliRunner()

    def _run(*args: str, code: int = 0) -> str:
        res = runner.invoke(cli, list(args), catch_exceptions=True)
        if code == 0:
            assert res.exit_code == 0, res.output + repr(res.exception)
        else:
            assert res.exit_code != 0
        return res.output if code == 0 else str(res.exception)
    return _run


def test_provision_with_json(run) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(run("admin", "org", "add", "acme", "--json"))["name"] == "acme"
    run("admin", "org", "add", "beta", "--json")
    key = json.loads(run("admin", "key", "create", "--org", "acme", "--json"))
    assert key["key_id"].startswith("lsk_") and key["secret"] and key["organisation"] == "acme"
    cid = "6f1c2b7e-3f0a-4d55-9d6b-2b7c5b6f9a10"
    coll = json.loads(run("admin", "collection", "add", "--id", cid, "--title", "CIB", "--owner", "acme",
                          "--read", "beta", "--api-root", "partners", "--json"))
    assert coll == {"id": cid, "api_root": "partners", "title": "CIB", "owner": "acme",
                    "read": ["acme", "beta"], "write": ["acme"]}
    listed = json.loads(run("admin", "collection", "list", "--json"))
    assert [c["id"] for c in listed] == [cid] and listed[0]["read"] == ["acme", "beta"]
    assert [o["name"] for o in json.loads(run("admin", "org", "list", "--json"))] == ["acme", "beta"]
    keys = json.loads(run("admin", "key", "list", "--json"))
    assert keys[0]["key_id"] == key["key_id"] and "secret" not in keys[0]
    assert json.loads(run("admin", "key", "revoke", key["key_id"], "--json"))["revoked"] is True
    assert json.loads(run("admin", "key", "list", "--json"))[0]["revoked"] is True
    audit = json.loads(run("admin", "audit", "--json"))
    assert [a["action"] for a in audit][:3] == ["admin.key.revoke", "admin.collection.add", "admin.key.create"]
    assert key["secret"] not in json.dumps(audit)
    assert json.loads(run("admin", "db", "upgrade", "--json"))["revision"] == head_revision()


def test_errors_are_clear(run) -> None:  # type: ignore[no-untyped-def]
    run("admin", "org", "add", "acme")
    assert "already exists" in run("admin", "org", "add", "acme", code=2)
    assert "Unknown organisation 'nobody'" in run("admin", "key", "create", "--org", "nobody", code=2)
    assert "UUID" in run("admin", "collection", "add", "--id", "x", "--title", "t", "--owner", "acme", code=2)
    assert "--write" in run("admin", "collection", "add", "--title", "t", "--owner", "acme", "--write", "*",
                            code=2)
    assert "API root" in run("admin", "collection", "add", "--title", "t", "--owner", "acme",
                             "--api-root", "bad/name", code=2)
    assert "No active key" in run("admin", "key", "revoke", "lsk_nope", code=2)
