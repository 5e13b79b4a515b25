"""Pseudonymized export: a partner with the key matches; nobody without it learns an identity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lockstep.errors import ConfigError
from lockstep.share.intel import import_bundle
from lockstep.share.match import match
from lockstep.share.pseudonym import read_key
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.share.stix import build_bundle
from lockstep.store import Store
from lockstep.testing.plant import plant_network
from tests.share.test_stix_export import _errors


def test_no_raw_identifier_anywhere(planted, key_file: Path) -> None:
    store, nets = planted
    bundle = build_bundle(store, "test", None, "amber", read_key(key_file), "ACME")
    assert _errors(bundle) == []
    text = json.dumps(bundle).lower()
    for net in nets:
        for acc, handle in net.members:
            assert acc.lower() not in text
            assert handle.lower() not in text
    # the network's own sentence named an account; it is scrubbed to the account's pseudonym (the
    # same one a report made with the key shows), not dropped
    isets = [o for o in bundle["objects"] if o["type"] == "intrusion-set"]
    labels = {Pseudonymizer(read_key(key_file)).label("twitter", acc, None) for n in nets for acc, _ in n.members}
    assert all(set(re.findall(r"acct-[0-9a-f]{10}", o["description"])) & labels for o in isets)
    pseud = [o for o in bundle["objects"] if o["type"] == "indicator" and "x_lockstep_pseudonymized" in o]
    assert len(pseud) == sum(2 * len(n.members) for n in nets)


def _partner(tmp_path: Path, name: str) -> Store:
    """A partner that holds the same accounts (same seed) under its own dataset."""
    store = Store(tmp_path / f"{name}.duckdb")
    plant_network(store, dataset="partner", network_id=1, seed=0)
    return store


def test_partner_with_the_key_matches_the_accounts(planted, key_file: Path, tmp_path: Path) -> None:
    store, nets = planted
    key = read_key(key_file)
    bundle = build_bundle(store, "test", [1], "amber", key, "ACME")
    with _partner(tmp_path, "p1") as partner:
        summary = import_bundle(partner, bundle)
        assert summary.by_type["account_hash"] == 2 * len(nets[0].members)
        match(partner, "partner", key)
        hits = partner.rows("SELECT DISTINCT unnest(accounts) FROM sightings WHERE type = 'account_hash'")
        assert {h[0] for h in hits} == {f"twitter:{acc}" for acc, _ in nets[0].members}


def test_partner_without_the_key_matches_nothing(planted, key_file: Path, tmp_path: Path) -> None:
    store, _ = planted
    bundle = build_bundle(store, "test", [1], "amber", read_key(key_file), "ACME")
    other = tmp_path / "other.key"
    other.write_text("a-completely-different-community-key")
    with _partner(tmp_path, "p2") as partner:
        import_bundle(partner, bundle)
        match(partner, "partner", None)
        assert partner.scalar("SELECT count(*) FROM sightings WHERE type = 'account_hash'") == 0
        match(partner, "partner", read_key(other))
        assert partner.scalar("SELECT count(*) FROM sightings WHERE type = 'account_hash'") == 0


def test_short_or_missing_key_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(ConfigError, match="at least 16"):
        read_key(short)
    with pytest.raises(ConfigError, match="No key file"):
        read_key(tmp_path / "missing.key")
