"""The files `lockstep synth` writes: deterministic, consistent with the truth, ingestible."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _synth(out: Path, *args: str) -> None:
    res = CliRunner().invoke(cli, ["synth", "--posts", "5000", "--out", str(out), *args])
    assert res.exit_code == 0, res.output


def test_same_seed_same_files_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        _synth(tmp_path / name, "--seed", seed)
    a, b, c = (_digest(tmp_path / n) for n in "abc")
    assert a == b
    assert a["posts.parquet"] != c["posts.parquet"] and a["truth.csv"] != c["truth.csv"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_formats_hold_the_same_posts(tmp_path: Path, fmt: str) -> None:
    _synth(tmp_path / "pq", "--seed", "2")
    _synth(tmp_path / fmt, "--seed", "2", "--format", fmt)
    with Store(tmp_path / "s.duckdb") as store:
        for name, ext in (("pq", "parquet"), (fmt, fmt)):
            for kind in ("posts", "accounts"):
                s = ingest_file(store, tmp_path / name / f"{kind}.{ext}", dataset=name)
                assert s.quarantined == 0 and s.error is None
        assert store.scalar("SELECT count(*) FROM posts WHERE dataset = ?", [fmt]) == 5000
        diff = store.scalar(
            "SELECT count(*) FROM (SELECT * FROM posts WHERE dataset = ?) p "
            "JOIN (SELECT * FROM posts WHERE dataset = 'pq') q "
            "USING (platform, post_id) WHERE p.time <> q.time OR p.text <> q.text OR p.urls <> q.urls "
            "OR p.hashtags <> q.hashtags OR p.media_hashes <> q.media_hashes "
            "OR p.repost_of_post IS DISTINCT FROM q.repost_of_post", [fmt])
        assert diff == 0
        diff = store.scalar(
            "SELECT count(*) FROM (SELECT * FROM accounts WHERE dataset = ?) p "
            "JOIN (SELECT * FROM accounts WHERE dataset = 'pq') q USING (platform, account_id) "
            "WHERE p.created_at <> q.created_at OR p.handle <> q.handle "
            "OR p.bio IS DISTINCT FROM q.bio", [fmt])
        assert diff == 0


def test_truth_lists_every_account_exactly_once(con: duckdb.DuckDBPyConnection) -> None:
    cols = [r[0] for r in con.execute("DESCRIBE truth").fetchall()]
    assert cols[:4] == ["platform", "account_id", "network_id", "operation_style"]
    assert con.execute("SELECT count(*) - count(DISTINCT (platform, account_id)) FROM truth").fetchone()[0] == 0
    only_acc = "SELECT platform, account_id FROM accounts EXCEPT SELECT platform, account_id FROM truth"
    only_truth = "SELECT platform, account_id FROM truth EXCEPT SELECT platform, account_id FROM accounts"
    only_posts = "SELECT platform, account_id FROM posts EXCEPT SELECT platform, account_id FROM truth"
    for q in (only_acc, only_truth, only_posts):
        assert con.execute(f"SELECT count(*) FROM ({q})").fetchone()[0] == 0
    # organic accounts carry network 0 and style 'organic'; operation accounts a positive id
    bad = con.execute("SELECT count(*) FROM truth WHERE (network_id = '0') <> (operation_style = 'organic')")
    assert bad.fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM accounts a JOIN (SELECT platform, account_id, count(*) n "
                       "FROM posts GROUP BY ALL) c USING (platform, account_id) WHERE a.post_count <> c.n"
                       ).fetchone()[0] == 0


def test_manifest_counts_match_files(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    assert manifest["counts"]["posts"] == con.execute("SELECT count(*) FROM posts").fetchone()[0]
    per_style = dict(con.execute("SELECT operation_style, count(*) FROM truth GROUP BY 1").fetchall())
    assert {k: v for k, v in manifest["counts"]["accounts_per_style"].items() if v} == per_style
    assert set(manifest["planted_utc_offsets"]) == {str(n["network_id"]) for n in manifest["networks"]}
    json.dumps(manifest)


def test_output_ingests_with_nothing_quarantined(bench_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["ingest", str(bench_dir / "posts.parquet"), str(bench_dir / "accounts.parquet"),
                                   "--db", str(tmp_path / "s.duckdb"), "--json"])
    assert res.exit_code == 0, res.output
    totals = json.loads(res.output)["totals"]
    assert totals["quarantined"] == 0 and totals["duplicates"] == 0
    assert totals["posts_stored"] == 40_000
    with Store(tmp_path / "s.duckdb") as store:
        # times are UTC in the file and in the store alike
        same = store.scalar(f"SELECT count(*) FROM posts p JOIN read_parquet('{bench_dir / 'posts.parquet'}') q "
                            "USING (platform, post_id) WHERE p.time = q.time")
        assert same == 40_000
        assert store.scalar("SELECT count(DISTINCT platform) FROM accounts") == 3


def test_bad_arguments_give_clear_errors(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["synth", "--posts", "10", "--out", str(tmp_path / "x")])
    assert res.exit_code != 0 and "at least 2000" in str(res.exception or res.output)
    prof = tmp_path / "p.toml"
    prof.write_text('difficulty = "hard"\ncamouflage_share = 1.5\n')
    res = CliRunner().invoke(cli, ["synth", "--posts", "3000", "--out", str(tmp_path / "y"), "--profile", str(prof)])
    assert res.exit_code != 0 and "camouflage_share" in str(res.exception or res.output)


def test_profile_file_sets_parameters(tmp_path: Path) -> None:
    prof = tmp_path / "p.toml"
    prof.write_text('difficulty = "hard"\ncamouflage_share = 0.5\ndays = 14\n')
    res = CliRunner().invoke(cli, ["synth", "--posts", "4000", "--out", str(tmp_path / "o"), "--profile", str(prof)])
    assert res.exit_code == 0, res.output
    params = json.loads((tmp_path / "o" / "manifest.json").read_text())["parameters"]
    assert params["camouflage_share"] == 0.5 and params["days"] == 14
    assert params["edit_rate"] == 0.45  # from the hard preset
    span = duckdb.sql(f"SELECT max(time) - min(time) FROM read_parquet('{tmp_path / 'o' / 'posts.parquet'}')")
    assert span.fetchone()[0].days <= 15
