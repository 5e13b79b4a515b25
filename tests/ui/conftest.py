"""A workspace over a small planted store: two networks, a server database with one organisation
and three users (viewer, analyst, and an analyst of a pseudonymizing organisation)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from lockstep.serve import admin
from lockstep.serve.database import make_engine, upgrade
from lockstep.store import Store
from lockstep.ui import users
from lockstep.ui.app import create_app
from lockstep.ui.settings import UiSettings
from tests.report.conftest import DATASET, plant

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def plant_two(store: Store) -> None:
    """The report's planted network, with its last three accounts split off as network 2."""
    plant(store)
    store.con.execute("UPDATE members SET network_id = 2 WHERE account_id IN ('op9', 'op10', 'op11')")
    store.con.execute("UPDATE networks SET size = 9 WHERE network_id = 1")
    store.con.execute(
        "INSERT INTO networks (dataset, network_id, size, score, coordination_score, traces, edge_count, density, "
        "first_activity, last_activity, why) SELECT dataset, 2, 3, 0.41, 0.4, ['co_text'], 3, 1.0, first_activity, "
        "last_activity, '3 accounts posted the same text.' FROM networks WHERE network_id = 1")


@dataclass
class Workspace:
    db: Path
    url: str
    engine: Engine

    def app(self, **kw: object) -> TestClient:
        return TestClient(create_app(UiSettings(db=self.db, database_url=self.url, **kw)))  # type: ignore[arg-type]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    db = tmp_path / "store.duckdb"
    with Store(db) as s:
        plant_two(s)
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    admin.add_org(engine, "acme")
    admin.add_org(engine, "press")
    users.add_user(engine, "ann", "acme", "analyst", PASSWORD)
    users.add_user(engine, "vic", "acme", "viewer", PASSWORD)
    users.add_user(engine, "pia", "press", "analyst", PASSWORD)
    users.set_pseudonymize(engine, "press", True)
    yield Workspace(db, url, engine)
    engine.dispose()
    gc.unfreeze()  # the app's startup froze what was loaded (lockstep.ui.app); give the next tests a plain collector


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "the page has no form with a CSRF token"
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text),
                                    "next": "/"}, follow_redirects=False)
    return r.status_code


__all__ = ["DATASET", "PASSWORD", "Workspace", "csrf_of", "sign_in"]
