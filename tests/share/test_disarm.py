"""The bundled DISARM data and the behaviour -> technique table."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from lockstep.errors import ConfigError
from lockstep.share import disarm


def test_bundled_framework_is_small_and_attributed() -> None:
    data = resources.files("lockstep").joinpath("data/disarm/techniques.json").read_bytes()
    assert len(data) < 300_000
    fw = disarm.framework()
    assert len(fw["techniques"]) == 391 and len(fw["tactics"]) == 16
    notice = disarm.attribution()
    assert "DISARM Foundation" in notice and "CC BY-SA 4.0" in notice
    assert resources.files("lockstep").joinpath("data/disarm/LICENSE.md").read_text().startswith(
        "Attribution-ShareAlike 4.0")


@pytest.mark.shared_data
def test_bundled_file_is_derived_from_the_shared_framework(shared_data: Path) -> None:
    derived = disarm.derive(shared_data / "disarm" / "DISARM.json")
    assert derived == disarm.framework()
    # the STIX bundle and the master CSV agree on every technique name we ship
    import csv

    with open(shared_data / "disarm" / "from_master_xlsx" / "techniques.csv", encoding="utf-8") as fh:
        names = {r["disarm_id"]: r["name"] for r in csv.DictReader(fh)}
    for tid, t in derived["techniques"].items():
        assert names[tid] == t["name"]


def test_every_mapped_technique_exists_and_fits() -> None:
    table = disarm.behaviour_map()
    expected = {("trace", "co_text"): "T0084.001", ("signal", "creation_burst"): "T0150.001",
                ("signal", "sleeper"): "T0150.002", ("signal", "cadence"): "T0146.007",
                ("trace", "co_hashtag"): "T0049.002"}
    for key, tid in expected.items():
        assert tid in table[key].techniques
    assert disarm.technique("T0084.001").name == "Use Copypasta"
    assert disarm.technique("T0150.001").name == "Newly Created Asset"
    for m in table.values():
        for tid in m.techniques:
            assert disarm.technique(tid).tactic_id.startswith("TA")


def test_user_map_extends_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('[traces.co_text]\ntechniques = ["T0084.002"]\nwhy = "plagiarised articles"\n'
                 '[signals.language_mismatch]\ntechniques = ["T0097.101"]\n')
    table = disarm.behaviour_map(f)
    assert table[("trace", "co_text")].techniques == ("T0084.002",)
    assert table[("signal", "language_mismatch")].techniques == ("T0097.101",)
    assert table[("trace", "co_link")].techniques  # untouched entries stay


@pytest.mark.parametrize("body, fragment", [
    ('[traces.co_text]\ntechniques = ["T9999"]\n', "not a DISARM technique"),
    ('[traces.co_text]\ntechniques = "T0049"\n', "needs techniques"),
    ('[tactics.x]\ntechniques = []\n', "unknown section"),
    ('[traces.co_text\n', "not valid TOML"),
])
def test_bad_user_map_says_what_is_wrong(tmp_path: Path, body: str, fragment: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(ConfigError, match=fragment):
        disarm.behaviour_map(f)


def test_techniques_json_has_no_stix_ids() -> None:
    text = json.dumps(disarm.framework())
    assert "attack-pattern--" not in text


def test_fast_uuid5_equals_the_standard_one() -> None:
    import uuid

    from lockstep.share.ids import NAMESPACE, stix_id, uuid5_hex

    for name in ["", "a", "indicator\x1fACME\x1fdomain\x1fexample.com", "ü" * 100]:
        assert uuid5_hex(name) == str(uuid.uuid5(NAMESPACE, name))
    assert stix_id("campaign", "x", 1) == f"campaign--{uuid.uuid5(NAMESPACE, 'campaign' + chr(31) + 'x' + chr(31) + '1')}"
