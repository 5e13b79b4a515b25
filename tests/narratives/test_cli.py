"""The commands end to end on a store: JSON shapes of narratives, pivots and watch check."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.errors import StoreError
from lockstep.store import Store


def _run(*args: str) -> dict:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.output) if "--json" in args else {"text": res.output}


def test_commands_json(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    out = _run("narratives", "--backend", "tfidf", "--db", db, "--json")
    assert out["run"]["backend"] == "tfidf" and len([t for t in out["topics"] if t["topic_id"] >= 0]) == 5
    assert {n["network_id"] for n in out["networks"]} == {1, 2, 3}
    one = _run("narratives", "--backend", "tfidf", "--network", "2", "--db", db, "--json")
    assert [n["network_id"] for n in one["networks"]] == [2]
    piv = _run("pivots", "--db", db, "--json")["pivots"]
    assert len(piv) == 1
    p = piv[0]
    assert p["network_id"] == 1 and p["time"].endswith("Z")
    assert {"id", "label"} <= set(p["from_topic"]) and {"id", "label"} <= set(p["to_topic"])
    assert p["evidence_post_ids"]
    ex = tmp_path / "ex.txt"
    ex.write_text("weapons and military aid for ukraine against russia\n", encoding="utf-8")
    _run("watch", "add", "ukraine", "--examples", str(ex), "--db", db)
    assert [w["name"] for w in _run("watch", "list", "--db", db, "--json")["watches"]] == ["ukraine"]
    alerts = _run("watch", "check", "--db", db, "--json")["alerts"]
    assert [(a["watch"], a["network_id"]) for a in alerts] == [("ukraine", 1)]
    assert alerts[0]["time"].endswith("Z") and alerts[0]["example_post_ids"]
    _run("watch", "remove", "ukraine", "--db", db)
    assert _run("watch", "list", "--db", db, "--json")["watches"] == []


def test_user_errors_have_no_traceback(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.duckdb")
    Store(db).close()
    # The CLI's main() turns these LockstepErrors into a one-line message and exit code 2.
    res = CliRunner().invoke(cli, ["pivots", "--db", db])
    assert isinstance(res.exception, StoreError) and "holds no posts" in str(res.exception)
    res = CliRunner().invoke(cli, ["watch", "check", "--db", db])
    assert isinstance(res.exception, StoreError)
