"""With the real pipeline: synth -> ingest -> detect -> export -> a partner imports and matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.share.intel import import_file
from lockstep.share.match import match
from lockstep.store import Store
from tests.share.test_stix_export import _errors


@pytest.mark.slow
def test_detected_networks_export_and_match_at_a_partner(tmp_path: Path) -> None:
    run = CliRunner()
    data, db = tmp_path / "data", str(tmp_path / "ours.duckdb")
    for args in (["synth", "--posts", "20000", "--networks", "3", "--difficulty", "easy", "--out", str(data)],
                 ["ingest", str(data / "posts.parquet"), str(data / "accounts.parquet"), "--db", db, "--json"],
                 ["detect", "--db", db]):
        res = run.invoke(cli, args)
        assert res.exit_code == 0, (args, res.output)
    out = tmp_path / "bundle.json"
    res = run.invoke(cli, ["export", "stix", "--db", db, "--out", str(out), "--tlp", "green"])
    assert res.exit_code == 0, res.output
    bundle = json.loads(out.read_text())
    assert _errors(bundle) == []
    with Store(db) as ours:
        members = {(p, a) for p, a in ours.rows("SELECT platform, account_id FROM members")}
        assert members
    # the partner holds the same posts under another dataset name
    partner_db = tmp_path / "partner.duckdb"
    res = run.invoke(cli, ["ingest", str(data / "posts.parquet"), str(data / "accounts.parquet"),
                           "--db", str(partner_db), "--dataset", "theirs", "--json"])
    assert res.exit_code == 0, res.output
    with Store(partner_db) as partner:
        summary = import_file(partner, out)
        assert summary.quarantined == 0 and summary.indicators > 0
        match(partner, "theirs")
        seen = {tuple(a.split(":", 1)) for (a,) in partner.rows(
            "SELECT DISTINCT unnest(accounts) FROM sightings WHERE type = 'account_id'")}
        assert seen == members
