"""Importing partners' indicators: Meta-style files (all of the shared ones) and STIX round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockstep.errors import SourceError
from lockstep.share.intel import import_bundle, import_file
from lockstep.share.stix import build_bundle
from lockstep.store import Store


def _meta_files(shared: Path) -> list[Path]:
    root = shared / "meta_threat_research" / "indicators"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".json"))


@pytest.mark.shared_data
def test_every_meta_file_imports_with_counts(shared_data: Path, store: Store) -> None:
    files = _meta_files(shared_data)
    assert len(files) >= 68
    results = {p.name: import_file(store, p) for p in files}
    # hand-checked files (see docs/commands/intel-import.md for what each cell becomes)
    bd = results["2020_12_taking_action_against_hackers_in_bangladesh_and_vietnam.csv"]
    assert (bd.records, bd.indicators, bd.quarantined, bd.by_type) == (10, 10, 0, {"file_hash": 2, "domain": 8})
    cn = results["Q1_2023 China-based_CIB network_1.csv"]
    assert (cn.records, cn.blank, cn.indicators, cn.quarantined) == (18, 5, 8, 14)
    assert cn.by_type == {"url": 4, "account": 4}
    assert cn.reasons == {"a count or amount, not an indicator": 4,
                          "free text describing the activity, not an indicator": 10}
    md = results["Q2-3_2025_GithubIOCs - Q2-3_2025_MOLDOVA_BASED_CIB_NETWORK.csv"]
    assert (md.records, md.blank, md.indicators, md.quarantined) == (18, 3, 14, 10)
    # nothing silently dropped: every record is an indicator or a quarantine row
    for r in results.values():
        assert r.records == r.quarantined + (r.records - r.quarantined)
        assert store.scalar("SELECT count(*) FROM intel_quarantine WHERE source_file = ?", [r.source]) == r.quarantined
    total_q = sum(r.quarantined for r in results.values())
    assert total_q == store.scalar("SELECT count(*) FROM intel_quarantine") and total_q > 1000
    # defanged values are refanged and normalized
    assert store.scalar("SELECT count(*) FROM indicators WHERE type = 'domain' AND value = 'artichoc.cc'") == 1
    assert store.scalar("SELECT count(*) FROM indicators WHERE type = 'url' AND value = 'https://gagauzia24.info'") == 1
    assert store.scalar("SELECT count(*) FROM indicators WHERE value LIKE '%[.]%' OR value LIKE 'hxxp%'") == 0
    assert store.scalar("SELECT count(*) FROM indicators WHERE type = 'account' AND value = 'gagauzinfomd' "
                        "AND platform = 'twitter'") == 1
    # re-importing adds nothing
    before = store.scalar("SELECT count(*) FROM indicators")
    again = import_file(store, files[0])
    assert again.stored == 0 and store.scalar("SELECT count(*) FROM indicators") == before


def test_count_cells_and_prose_are_quarantined(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "net.csv"
    f.write_text("Tactic,Technique,Procedure,Indicator\n"
                 "0 Acquiring assets,0.9,0.9.1 Acquiring Facebook assets,\"7,704 Facebook accounts\"\n"
                 "0 Acquiring assets,0.6,0.6.2 Acquiring domains,lemonde-international[.]press\n"
                 ",,,\n"
                 "7 Engagement,7.1,7.1.1 Advertising,\"About $500 in spending for ads\"\n"
                 "1 Disguising,1.2,1.2.2 Posing,Posing as journalists\n"
                 "0 Acquiring,0.1,0.1.1 Proxy IPs,45[.]141[.]152[.]19\n")
    r = import_file(store, f)
    assert (r.records, r.indicators, r.quarantined, r.blank) == (5, 1, 4, 1)
    reasons = dict(store.rows("SELECT raw, reason FROM intel_quarantine"))
    assert reasons["7,704 Facebook accounts"].startswith("a count")
    assert reasons["Posing as journalists"].startswith("free text")
    assert reasons["45[.]141[.]152[.]19"].startswith("an IP address")
    assert store.rows("SELECT type, value, networks FROM indicators") == [
        ("domain", "lemonde-international.press", ["net"])]


def test_stix_round_trip_yields_the_same_indicators(planted) -> None:
    ours, _ = planted
    bundle = build_bundle(ours, "test", None, "green", None, "ACME")
    exported = set()
    from lockstep.share.patterns import observables

    for o in bundle["objects"]:
        if o["type"] == "indicator":
            fp = "x_lockstep_fingerprint" in o
            exported |= {(o["id"], ob.type, ob.value) for ob in observables(o["pattern"], text_fingerprint=fp)}
    summary = import_bundle(ours, bundle)
    assert summary.quarantined == 0
    stored = set(ours.rows("SELECT indicator_id, type, value FROM indicators"))
    assert stored == exported
    types = {t for _, t, _ in stored}
    assert types == {"account", "account_id", "domain", "url", "text_fingerprint"}
    assert set(ours.rows("SELECT DISTINCT tlp, producer FROM indicators")) == {("green", "ACME")}


def test_unusable_patterns_are_quarantined_with_reason(store: Store) -> None:
    base = {"type": "indicator", "spec_version": "2.1", "created": "2024-01-01T00:00:00Z",
            "modified": "2024-01-01T00:00:00Z", "valid_from": "2024-01-01T00:00:00Z", "pattern_type": "stix"}
    bundle = {"type": "bundle", "id": "bundle--0b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11", "objects": [
        {**base, "id": "indicator--1b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11", "pattern": "[ipv4-addr:value = '1.2.3.4']"},
        {**base, "id": "indicator--2b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11", "pattern": "[domain-name:value = "},
        {**base, "id": "indicator--3b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11",
         "pattern": "[domain-name:value IN ('a.example', 'WWW.B.example')]"},
        {**base, "id": "indicator--4b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11", "pattern": "x", "pattern_type": "sigma"},
    ]}
    r = import_bundle(store, bundle, "Partner")
    assert (r.records, r.indicators, r.quarantined) == (4, 2, 3)
    assert sorted(v for (v,) in store.rows("SELECT value FROM indicators")) == ["a.example", "b.example"]


def test_not_a_bundle_or_meta_file_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError, match="Cannot tell what"):
        import_file(store, f)
    g = tmp_path / "y.json"
    g.write_text("{not json")
    with pytest.raises(SourceError, match="not valid JSON"):
        import_file(store, g)
