"""The `lockstep intel` commands end to end, and the Meta JSON layout."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.share.intel import import_file
from lockstep.store import Store
from tests.share.test_stix_export import _errors


def test_import_match_sightings_list(planted, tmp_path: Path) -> None:
    store, _ = planted
    db = str(store.path)
    store.close()
    meta_json = tmp_path / "2024_report.json"
    meta_json.write_text(json.dumps([
        {"indicator_type": "domain_name", "indicator_value": "spiegel-aktuell[.]ltd", "comment": "Doppelganger", "ds": "x"},
        {"indicator_type": "android_package_name", "indicator_value": "com.example.app", "comment": "", "ds": "x"},
        {"indicator_type": "url", "indicator_value": "hxxps://never[.]example/x", "comment": "", "ds": "x"}]))
    run = CliRunner()
    res = run.invoke(cli, ["intel", "import", str(meta_json), "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    totals = json.loads(res.output)["totals"]
    assert (totals["records"], totals["stored"], totals["quarantined"]) == (3, 2, 1)
    res = run.invoke(cli, ["intel", "match", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["sightings"] == 1
    out = tmp_path / "s.json"
    res = run.invoke(cli, ["intel", "sightings", "--db", db, "--out", str(out), "--tlp", "amber", "--json"])
    assert res.exit_code == 0, res.output
    bundle = json.loads(out.read_text())
    assert _errors(bundle) == []
    (sighting,) = [o for o in bundle["objects"] if o["type"] == "sighting"]
    assert sighting["count"] == 18
    res = run.invoke(cli, ["intel", "list", "--db", db, "--quarantine", "--json"])
    assert json.loads(res.output)["rows"][0]["raw"].startswith("android_package_name")
    res = run.invoke(cli, ["intel", "list", "--db", db, "--type", "domain", "--json"])
    assert [r["value"] for r in json.loads(res.output)["rows"]] == ["spiegel-aktuell.ltd"]


def test_import_of_a_missing_file_is_a_user_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["intel", "import", str(tmp_path / "nope.json"), "--db", str(tmp_path / "x.duckdb")])
    assert res.exit_code == 2
    assert "No such file" in res.output


def test_stricter_indicator_tlp_is_kept_on_sightings(planted, tmp_path: Path) -> None:
    from lockstep.share.match import match, sightings_bundle
    from lockstep.share.stix import build_bundle
    from lockstep.share.tlp import TLP_IDS

    store, _ = planted
    from lockstep.share.intel import import_bundle

    import_bundle(store, build_bundle(store, "test", [1], "red", None, "Partner"))
    match(store, "test")
    bundle = sightings_bundle(store, "test", "Us", "green")
    marks = {o["object_marking_refs"][0] for o in bundle["objects"] if o["type"] == "sighting"}
    assert marks == {TLP_IDS["red"]}


def test_meta_json_layout(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "m.json"
    f.write_text(json.dumps([{"indicator_type": "sha256", "indicator_value": "AB" * 32, "comment": "hash", "ds": "d"}]))
    r = import_file(store, f)
    assert r.by_type == {"file_hash": 1} and r.quarantined == 0
    assert store.scalar("SELECT value FROM indicators") == "ab" * 32
