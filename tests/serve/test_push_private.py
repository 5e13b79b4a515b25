"""``share push --pseudonymize`` of a network whose members appear in its own URLs: the values
naming accounts are left out (and counted), the rest reaches the server, and nothing stored there
names an ordinary member."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from tests.report.conftest import plant
from tests.report.test_privacy import KEY, _craft, _leaks
from tests.serve.conftest import Deployment


def test_pseudonymized_push_redacts_and_sends_the_rest(deployment: Deployment, tmp_path: Path) -> None:
    cid = deployment.collection("private", read=("beta",))
    url = deployment.coll_url(cid)
    db = tmp_path / "ours.duckdb"
    with Store(db) as s:
        plant(s)
        _craft(s)
    key = tmp_path / "k.key"
    key.write_bytes(KEY)
    key_id, secret = deployment.auth("acme")
    res = CliRunner().invoke(cli, ["share", "push", url, "--db", str(db), "--pseudonymize", str(key),
                                   "--user", key_id, "--password", secret], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert "left out 3 indicator value(s) that name a pseudonymized account (1 domain, 2 url)" in said
    assert "0 failed" in said
    with deployment.client("acme") as c:
        stored = c.get(url + "objects/", params={"limit": "1000"}).json()["objects"]
    assert any(o["type"] == "indicator" and "news-truth.example.com" in o["pattern"] for o in stored)
    assert _leaks(json.dumps(stored, ensure_ascii=False)) == []
