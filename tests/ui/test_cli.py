"""`lockstep ui` and `lockstep admin user ...` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.serve.database import make_engine
from lockstep.ui.users import authenticate
from tests.ui.conftest import Workspace


def test_admin_user_add_reads_the_password_from_stdin_and_refuses_short_ones(workspace: Workspace) -> None:
    base = ["--database-url", workspace.url]
    r = CliRunner().invoke(cli, ["admin", "user", "add", "zoe", "--org", "acme", "--role", "viewer",
                                 "--password-stdin", "--json", *base], input="a long enough passphrase\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["role"] == "viewer"
    assert authenticate(workspace.engine, "zoe", "a long enough passphrase") is not None
    r = CliRunner().invoke(cli, ["admin", "user", "add", "yan", "--org", "acme", "--password-stdin", *base],
                           input="short\n")
    assert r.exit_code != 0 and "at least 12 characters" in str(r.exception)
    r = CliRunner().invoke(cli, ["admin", "user", "add", "yan", "--org", "nowhere", "--password-stdin", *base],
                           input="a long enough passphrase\n")
    assert "Unknown organisation 'nowhere'" in str(r.exception)
    r = CliRunner().invoke(cli, ["admin", "user", "list", "--json", *base])
    assert {u["username"] for u in json.loads(r.output)} == {"ann", "vic", "pia", "zoe"}
    r = CliRunner().invoke(cli, ["admin", "audit", "--json", *base])
    assert any(e["action"] == "admin.user.add" and e["target"] == "zoe (viewer)" for e in json.loads(r.output))


def test_ui_warns_when_binding_beyond_loopback_without_tls(workspace: Workspace, tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning is printed, then the bind fails
    # and the command ends; nothing is sent anywhere.
    proc = subprocess.run([sys.executable, "-m", "lockstep", "ui", "--db", str(workspace.db), "--database-url",
                           workspace.url, "--host", "192.0.2.1", "--port", "8080"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "Warning:" in proc.stderr and "without TLS" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "lockstep", "ui", "--db", str(tmp_path / "none.duckdb"),
                           "--database-url", workspace.url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "No Lockstep store" in proc.stderr


def test_upgrade_adds_the_workspace_tables_to_an_existing_server_database(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from lockstep.serve import admin
    from lockstep.serve.database import _alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    admin.add_org(engine, "old")
    upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert {"users", "ui_sessions", "verdicts"} <= names
    assert "actor" in {c["name"] for c in inspect(engine).get_columns("audit_log")}
    engine.dispose()


@pytest.mark.postgres
def test_the_workspace_on_postgresql(tmp_path: Path) -> None:
    """Users, sessions, verdicts and the audit log on PostgreSQL (`--database-url postgresql+psycopg://...`)."""
    from fastapi.testclient import TestClient

    from lockstep.serve import admin, audit
    from lockstep.serve.database import upgrade
    from lockstep.store import Store
    from lockstep.ui import users, verdicts
    from lockstep.ui.app import create_app
    from lockstep.ui.settings import UiSettings
    from tests.serve.conftest import _pg_database_url
    from tests.ui.conftest import DATASET, PASSWORD, csrf_of, plant_two, sign_in

    db = tmp_path / "store.duckdb"
    with Store(db) as s:
        plant_two(s)
    urls = _pg_database_url()
    url = next(urls)
    engine = make_engine(url)
    try:
        upgrade(engine)
        admin.add_org(engine, "acme")
        users.add_user(engine, "ann", "acme", "analyst", PASSWORD)
        with TestClient(create_app(UiSettings(db=db, database_url=url))) as c:
            assert sign_in(c, "ann") == 303
            token = csrf_of(c.get(f"/d/{DATASET}/networks/1").text)
            r = c.post(f"/d/{DATASET}/verdicts", data={"kind": "network", "subject": "1", "verdict": "confirmed",
                                                       "reason": "on postgres", "csrf_token": token})
            assert r.status_code == 200 and "on postgres" in r.text
        assert verdicts.latest(engine, DATASET, "network")["1"]["verdict"] == "confirmed"
        assert audit.entries(engine, limit=1)[0]["action"] == "ui.verdict.confirmed"
    finally:
        engine.dispose()
        for _ in urls:
            pass
