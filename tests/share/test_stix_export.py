"""STIX export: validator-clean at every TLP level, deterministic, DISARM-keyed, hints as hints."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
import stix2
from click.testing import CliRunner
from stix2validator import ValidationOptions, validate_instance

from lockstep.cli.main import cli
from lockstep.errors import ShareError
from lockstep.model import POST_SCHEMA
from lockstep.share import tlp
from lockstep.share.stix import build_bundle, check_sample


def _errors(bundle: dict) -> list[str]:
    result = validate_instance(bundle, ValidationOptions())
    return [str(e) for r in ([result] if not hasattr(result, "object_results") else result.object_results)
            for e in getattr(r, "errors", [])] + ([] if result.is_valid else ["invalid"])


@pytest.mark.parametrize("level", list(tlp.LEVELS))
def test_bundle_is_validator_clean_and_marked_at_every_level(planted, level: str) -> None:
    store, _ = planted
    bundle = build_bundle(store, "test", None, level, None, "ACME T&S", targets=["FR"])
    assert _errors(bundle) == []
    marking = next(o for o in bundle["objects"] if o["id"] == tlp.TLP_IDS[level])
    assert marking["extensions"][tlp.TLP_EXTENSION]["tlp_2_0"] == level
    for o in bundle["objects"]:
        if o["type"] != "marking-definition":
            assert tlp.TLP_IDS[level] in o["object_marking_refs"], o["id"]
    assert check_sample(bundle, k=10_000) == len(bundle["objects"])


def test_object_model(planted) -> None:
    store, nets = planted
    bundle = build_bundle(store, "test", None, "green", None, "ACME T&S")
    objs = {o["id"]: o for o in bundle["objects"]}
    by_type: dict[str, list[dict]] = {}
    for o in bundle["objects"]:
        by_type.setdefault(o["type"], []).append(o)
    assert len(by_type["intrusion-set"]) == 2 and len(by_type["campaign"]) == 2
    # threat-actor only for the network an analyst attributed
    assert [a["name"] for a in by_type["threat-actor"]] == ["Social Design Agency"]
    rels = by_type["relationship"]
    kinds = {(objs[r["source_ref"]]["type"], r["relationship_type"], objs[r["target_ref"]]["type"]) for r in rels}
    assert ("campaign", "attributed-to", "intrusion-set") in kinds
    assert ("intrusion-set", "attributed-to", "threat-actor") in kinds
    assert ("indicator", "indicates", "campaign") in kinds
    assert ("campaign", "uses", "attack-pattern") in kinds
    # the origin hint is a hint: labelled, with confidence, never a plain fact
    origin = [r for r in rels if r["relationship_type"] == "originates-from"]
    assert len(origin) == 1 and origin[0]["labels"] == ["attribution-hint"] and origin[0]["confidence"] == 70
    assert objs[origin[0]["target_ref"]]["country"] == "RU"
    # attack-patterns are keyed on DISARM external ids
    ext = {o["external_references"][0]["external_id"] for o in by_type["attack-pattern"]}
    assert {"T0084.001", "T0119", "T0049", "T0049.005", "T0150.001"} <= ext
    assert all(o["external_references"][0]["source_name"] == "DISARM" for o in by_type["attack-pattern"])
    # indicators: the planted look-alike domain, its URL, member accounts, the copy-pasted text
    patterns = {o["pattern"] for o in by_type["indicator"]}
    assert f"[domain-name:value = '{nets[0].domain}']" in patterns
    assert f"[url:value = '{nets[0].url}']" in patterns
    handle = nets[0].members[0][1].lower()
    assert f"[user-account:account_type = 'twitter' AND user-account:account_login = '{handle}']" in patterns
    assert any(p.startswith("[artifact:hashes.'SHA-256'") for p in patterns)
    # organic domains are not indicators
    assert not any("bbc.co.uk" in p or "reuters.com" in p for p in patterns)
    report = by_type["report"][0]
    assert set(report["object_refs"]) == {i for i, o in objs.items() if o["type"] not in ("marking-definition", "report")}


def test_ids_and_bytes_are_deterministic_and_reexport_updates(planted, tmp_path: Path) -> None:
    store, nets = planted
    first = build_bundle(store, "test", [1], "amber", None, "ACME T&S")
    again = build_bundle(store, "test", [1], "amber", None, "ACME T&S")
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    # new activity of the same network: same ids, later 'modified'
    later = datetime(2024, 3, 5, 12, 0, 0)
    acc, handle = nets[0].members[0]
    store.append("posts", pa.Table.from_pylist([{
        "dataset": "test", "platform": "twitter", "post_id": "late1", "account_id": acc, "handle": handle,
        "time": later, "text": "again", "urls": [], "domains": [], "hashtags": [], "mentions": [], "media_hashes": []}],
        schema=POST_SCHEMA))
    store.con.execute("UPDATE networks SET last_activity = ? WHERE network_id = 1", [later])
    updated = build_bundle(store, "test", [1], "amber", None, "ACME T&S")
    a = {o["id"]: o for o in first["objects"]}
    b = {o["id"]: o for o in updated["objects"]}
    camp = next(i for i, o in a.items() if o["type"] == "campaign")
    assert camp in b and b[camp]["modified"] > a[camp]["modified"]
    assert b[camp]["created"] == a[camp]["created"]
    assert set(a) - {first["objects"][-1]["id"]} <= set(b)


def test_unknown_network_is_a_clear_error(planted) -> None:
    store, _ = planted
    with pytest.raises(ShareError, match=r"no network\(s\) \[7\]"):
        build_bundle(store, "test", [7], "amber", None, "ACME")


def test_cli_writes_a_parseable_bundle(planted, tmp_path: Path) -> None:
    store, _ = planted
    db = store.path
    store.close()
    out = tmp_path / "b.json"
    res = CliRunner().invoke(cli, ["export", "stix", "--db", str(db), "--out", str(out), "--tlp", "red",
                                   "--network", "2", "--organisation", "Org X", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["by_type"]["intrusion-set"] == 1 and summary["tlp"] == "red"
    parsed = stix2.parse(out.read_text(), allow_custom=True)
    assert any(o.type == "identity" and o.name == "Org X" for o in parsed.objects)


def test_multi_country_hint_gives_one_hinted_location_each(store) -> None:
    from lockstep.testing.plant import plant_network

    hint = ("Activity fits a 09:00–18:00 Mon–Fri working day at UTC+3 (fit 1.00, confidence 0.90 over 148 posts); "
            "consistent with: Russia (Moscow); Belarus; Turkey — a hint, not an attribution.")
    plant_network(store, hint=hint, offset_confidence=0.9)
    bundle = build_bundle(store, "test", None, "amber", None, "ACME")
    objs = {o["id"]: o for o in bundle["objects"]}
    origin = [r for r in bundle["objects"] if r["type"] == "relationship" and r["relationship_type"] == "originates-from"]
    assert sorted(objs[r["target_ref"]]["country"] for r in origin) == ["BY", "RU", "TR"]
    assert {r["confidence"] for r in origin} == {30}
    assert all(r["labels"] == ["attribution-hint"] and "not a verdict" in r["description"] for r in origin)
    assert not any(o["type"] == "threat-actor" for o in bundle["objects"])
    assert _errors(bundle) == []
