"""`lockstep ingest`, `stats`, `quarantine`, `formats` and `export posts` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.store import Store
from tests.conftest import DATA

REDDIT = str(DATA / "reddit_dump.ndjson")
BLUESKY = str(DATA / "bluesky_posts.jsonl")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_ingest_json_summary_and_stats(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    code, out = run("ingest", REDDIT, BLUESKY, "--db", db, "--dataset", "mixed", "--json")
    assert code == 0
    report = json.loads(out)
    assert [f["adapter"] for f in report["files"]] == ["reddit", "bluesky"]
    totals = report["totals"]
    assert totals["posts_stored"] == 14 and totals["quarantined"] == 11 and totals["skipped"] == 2
    assert totals["records_read"] == 14 + 19 and totals["files_failed"] == 0
    code, out = run("stats", "--db", db, "--json")
    stats = json.loads(out)
    assert code == 0
    assert {k: stats[k] for k in ("posts", "accounts", "quarantined")} == {"posts": 14, "accounts": 10,
                                                                            "quarantined": 11}
    assert stats["datasets"]["mixed"]["posts"] == 14
    assert set(stats["platforms"]) == {"reddit", "bluesky"}
    assert stats["first_post"] and stats["last_post"]


def test_db_option_beats_env_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env_db, flag_db = tmp_path / "env.duckdb", tmp_path / "flag.duckdb"
    assert run("ingest", REDDIT, "--json")[0] == 0  # neither: ./lockstep.duckdb
    assert (tmp_path / "lockstep.duckdb").exists()
    assert run("ingest", BLUESKY, "--json", env={"LOCKSTEP_DB": str(env_db)})[0] == 0
    assert run("ingest", REDDIT, "--db", str(flag_db), "--json", env={"LOCKSTEP_DB": str(env_db)})[0] == 0
    counts = {}
    for p in ("lockstep.duckdb", "env.duckdb", "flag.duckdb"):
        with Store(tmp_path / p) as s:
            counts[p] = sorted(r[0] for r in s.rows("SELECT DISTINCT platform FROM posts"))
    assert counts == {"lockstep.duckdb": ["reddit"], "env.duckdb": ["bluesky"], "flag.duckdb": ["reddit"]}
    code, out = run("stats", "--json", env={"LOCKSTEP_DB": str(env_db)})
    assert code == 0
    assert json.loads(out)["platforms"] == {"bluesky": {"posts": 7, "accounts": 3}}


def test_quarantine_json(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    run("ingest", REDDIT, "--db", db, "--json")
    code, out = run("quarantine", "--db", db, "--json", "--limit", "0")
    data = json.loads(out)
    assert code == 0 and data["total"] == 5 and len(data["rows"]) == 5
    assert {r["line"] for r in data["rows"]} == {5, 8, 9, 10, 13}
    assert all(r["file"].endswith("reddit_dump.ndjson") and r["reason"] for r in data["rows"])
    assert sum(data["by_reason"].values()) == 5
    code, out = run("quarantine", "--db", db, "--csv")
    assert out.splitlines()[0] == "dataset,file,line,reason,raw" and len(out.splitlines()) > 5


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_posts_round_trip(tmp_path: Path, fmt: str) -> None:
    db, copy, out = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / f"posts.{fmt}"
    run("ingest", REDDIT, BLUESKY, "--db", str(db), "--json")
    code, _ = run("export", "posts", "--format", fmt, "--out", str(out), "--db", str(db))
    assert code == 0 and out.exists()
    code, outp = run("ingest", str(out), "--db", str(copy), "--json")
    assert code == 0 and json.loads(outp)["files"][0]["adapter"] == "lockstep"
    with Store(db) as a, Store(copy) as b:
        q = "SELECT * FROM posts ORDER BY platform, post_id"
        assert a.rows(q) == b.rows(q) and len(a.rows(q)) == 14


def test_exit_status_non_zero_only_when_nothing_was_read(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not any format\n")
    code, out = run("ingest", REDDIT, str(junk), "--db", db, "--json")
    assert code == 0
    failed = json.loads(out)["files"][1]
    assert "junk.txt" in failed["error"] and "--format" in failed["error"]
    code, out = run("ingest", str(junk), "--db", db, "--json")
    assert code == 2


def test_formats_lists_every_adapter() -> None:
    code, out = run("formats", "--json")
    names = {f["name"] for f in json.loads(out)}
    assert code == 0 and {"bluesky", "mastodon", "reddit", "telegram_export", "lockstep"} <= names


def _lockstep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lockstep", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_unknown_format_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    proc = _lockstep("ingest", REDDIT, "--format", "nope", "--db", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "Unknown adapter 'nope'" in proc.stderr and "reddit" in proc.stderr


def test_wrong_format_names_the_file_and_what_was_expected(tmp_path: Path) -> None:
    proc = _lockstep("ingest", REDDIT, "--format", "mastodon", "--db", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert proc.returncode == 2
    text = " ".join((proc.stderr + proc.stdout).split())
    assert "Traceback" not in text
    assert "reddit_dump.ndjson" in text and "Mastodon statuses" in text
