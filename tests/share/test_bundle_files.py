"""Bundles holding TLP:RED objects are written readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lockstep.share.stix import write_bundle
from lockstep.share.tlp import TLP1_IDS, TLP_IDS


def _bundle(*refs: str) -> dict:  # type: ignore[type-arg]
    return {"type": "bundle", "id": "bundle--6f1c2b7e-3f0a-4d55-9d6b-2b7c5b6f9a10",
            "objects": [{"type": "indicator", "id": f"indicator--6f1c2b7e-3f0a-4d55-9d6b-2b7c5b6f9a1{i}",
                         "object_marking_refs": [ref]} for i, ref in enumerate(refs)]}


UNDEFINED = "marking-definition--0badc0de-0000-4000-8000-000000000000"


def _granular(ref: str) -> dict:  # type: ignore[type-arg]
    bundle = _bundle(TLP_IDS["green"])
    bundle["objects"][0]["granular_markings"] = [{"marking_ref": ref, "selectors": ["name"]}]
    return bundle


def test_red_bundles_are_0600_others_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        red1 = next(ref for ref, lvl in TLP1_IDS.items() if lvl == "red")
        for name, bundle, mode in [("green.json", _bundle(TLP_IDS["green"]), 0o644),
                                   ("red.json", _bundle(TLP_IDS["green"], TLP_IDS["red"]), 0o600),
                                   ("red1.json", _bundle(red1), 0o600),
                                   # any marking form the TLP module reads as RED (issue 14)
                                   ("upper.json", _bundle(TLP_IDS["red"].upper()), 0o600),
                                   ("undefined.json", _bundle(UNDEFINED), 0o600),
                                   ("granular.json", _granular(TLP_IDS["red"]), 0o600)]:
            out = tmp_path / name
            assert write_bundle(bundle, out) == out.stat().st_size
            assert stat.S_IMODE(out.stat().st_mode) == mode, name
        existing = tmp_path / "existing.json"  # replacing a world-readable file makes it private too
        existing.write_text("{}")
        write_bundle(_bundle(TLP_IDS["red"]), existing)
        assert stat.S_IMODE(existing.stat().st_mode) == 0o600 and b"indicator--" in existing.read_bytes()
    finally:
        os.umask(old)


def test_red_sightings_bundles_are_0600(planted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    from lockstep.cli.main import cli

    store, _ = planted
    db = str(store.path)
    store.close()
    meta_json = tmp_path / "report.json"
    meta_json.write_text(json.dumps([{"indicator_type": "domain_name", "indicator_value": "spiegel-aktuell[.]ltd",
                                      "comment": "Doppelganger", "ds": "x"}]))
    run = CliRunner()
    assert run.invoke(cli, ["intel", "import", str(meta_json), "--db", db]).exit_code == 0
    assert run.invoke(cli, ["intel", "match", "--db", db]).exit_code == 0
    old = os.umask(0o022)
    try:
        for level, mode in (("green", 0o644), ("red", 0o600)):
            out = tmp_path / f"sightings-{level}.json"
            res = run.invoke(cli, ["intel", "sightings", "--db", db, "--out", str(out), "--tlp", level])
            assert res.exit_code == 0, res.output
            assert '"sighting"' in out.read_text() and stat.S_IMODE(out.stat().st_mode) == mode, level
    finally:
        os.umask(old)
