"""Matching indicators against local data, and sightings back to the producer."""

from __future__ import annotations

from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.ingest.normalize import text_fingerprint
from lockstep.share.intel import import_file
from lockstep.share.match import ascii_fingerprints, match, sightings_bundle
from lockstep.store import Store
from tests.share.test_stix_export import _errors


def test_planted_doppelganger_domain_is_matched_and_sighted(planted, tmp_path: Path) -> None:
    store, nets = planted
    f = tmp_path / "Q9_2024_Doppelganger_like.csv"
    f.write_text("Tactic,Technique,Procedure,Indicator,Comments\n"
                 "0. Acquiring assets,0.6,0.6.2 Acquiring domains,lemonde-international[.]press,spoofing news\n"
                 "0. Acquiring assets,0.6,0.6.2 Acquiring domains,never-seen-here[.]com,\n"
                 "0. Acquiring assets,0.6,0.6.2 Acquiring domains,"
                 "hxxps://www[.]lemonde-international[.]press/2024/03/01/sanctions-hurt-europe-1?utm_source=x,\n"
                 "0. Acquiring assets,0.6,0.6.2 Acquiring domains,news.lemonde-international[.]press,\n")
    import_file(store, f)
    summary = match(store, "test")
    rows = {r[0]: r[1:] for r in store.rows(
        "SELECT value, count, account_count, networks, first_seen FROM sightings")}
    net = nets[0]
    # 6 members x 3 bursts; organic posts never link it
    assert rows["lemonde-international.press"][:3] == (18, 6, [1])
    assert rows["lemonde-international.press"][3] == net.first
    # the URL indicator, defanged and with a tracking parameter, matches the posts whose link normalizes equal
    assert rows[net.url][:3] == (9, 3, [1])
    assert "never-seen-here.com" not in rows
    assert "news.lemonde-international.press" not in rows  # a subdomain indicator matches only that host
    assert summary.sightings == 2 and summary.posts_matched == 18
    bundle = sightings_bundle(store, "test", "ACME", "green", producer="Meta")
    assert _errors(bundle) == []
    sightings = [o for o in bundle["objects"] if o["type"] == "sighting"]
    indicators = {o["id"]: o for o in bundle["objects"] if o["type"] == "indicator"}
    assert len(sightings) == 2 and sorted(s["count"] for s in sightings) == [9, 18]
    for s in sightings:  # Meta's CSV has no STIX ids: the indicator travels with the sighting
        assert s["sighting_of_ref"] in indicators
    assert "anna" not in str(bundle).lower()  # a sighting counts accounts, it does not name them


def test_matching_is_repeatable(planted, tmp_path: Path) -> None:
    store, _ = planted
    f = tmp_path / "i.csv"
    f.write_text("indicator_type,indicator_value,comment,ds\ndomain_name,spiegel-aktuell[.]ltd,x,2024-01-01\n")
    import_file(store, f)
    match(store, "test")
    first = store.rows("SELECT indicator_id, count, networks FROM sightings")
    match(store, "test")
    assert store.rows("SELECT indicator_id, count, networks FROM sightings") == first == [
        (first[0][0], 18, [2])]


_CON = duckdb.connect()


def _sql_fingerprint(text: str) -> str:
    row = _CON.execute(ascii_fingerprints("(SELECT ?::VARCHAR AS text)"), [text]).fetchone()
    assert row is not None
    return str(row[0])


_ascii = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=127), max_size=80)
_pieces = st.sampled_from(["RT @bob_1: ", "http://x.io/a?b=1", "WWW.Example.com/p", " \t\n\x0b\x1c ", "Hello",
                           "'quoted'", "<tag>", "https://t.co/xyz.", "  END  "])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_ascii, _pieces), max_size=6).map("".join))
def test_sql_text_normalization_equals_python_for_ascii(text: str) -> None:
    assert _sql_fingerprint(text) == text_fingerprint(text)


def test_text_fingerprints_match_ascii_and_non_ascii(store: Store, tmp_path: Path) -> None:
    from lockstep.testing.plant import plant_network

    plant_network(store, dataset="d", network_id=1)
    store.con.execute("UPDATE posts SET text = 'Straße  ZU   Groß ' || post_id WHERE post_id = 'o1_0_0'")
    weird = store.scalar("SELECT text FROM posts WHERE post_id = 'o1_0_0'")
    plain = store.scalar("SELECT text FROM posts WHERE post_id = 'p1_0_0_0'")
    f = tmp_path / "b.json"
    import json

    objs = [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{n}b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11",
             "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
             "valid_from": "2024-01-01T00:00:00Z", "pattern_type": "stix", "labels": ["text_fingerprint"],
             "pattern": f"[artifact:hashes.'SHA-256' = '{text_fingerprint(t)}']"} for n, t in ((1, weird), (2, plain))]
    f.write_text(json.dumps({"type": "bundle", "id": "bundle--9b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11", "objects": objs}))
    import_file(store, f)
    match(store, "d")
    counts = dict(store.rows("SELECT indicator_id, count FROM sightings"))
    assert counts[objs[0]["id"]] == 1  # the non-ASCII text, fingerprinted in Python
    assert counts[objs[1]["id"]] == 18  # the copy-pasted text (case varies), fingerprinted in SQL
