"""Pseudonymized outputs name no ordinary account anywhere: report HTML and PDF, GEXF, CSV, STIX.

The planted network gets identifiers in every place they travel in real data: signal sentences,
the network's *why* and origin hint, evidence items (profile and status URLs, mention, reply and
repost targets), shared URLs and domains (the indicator appendix), client-app names, example posts
of the narratives, old handles an account posted under, display names with markup characters.
"""

from __future__ import annotations

import csv
import html as htmllib
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.report.gexf import write_csv_tables, write_gexf
from lockstep.report.html import chromium_binary, render_report
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.share.stix import ExportNotes, build_bundle
from lockstep.store import Store
from tests.report.conftest import DATASET, N, plant_narratives

KEY = b"k" * 32
#: The raw identifiers of ordinary (not notable) members that must never be published.
SECRET = ["cobalt_orbit137", "cobalt_old42", "emma williams", "quiet_reader", "truthseeker77",
          "o'brien & sons", "nightowl.bsky.social", "private_person", "9988776655"]
ACCOUNT_IDS = re.compile(r"\bop(?:[0-9]|10)\b")  # op11 is notable (verified, 250k followers)


def _craft(store: Store) -> None:
    con = store.con
    profiles = {"op0": ("cobalt_orbit137", "Emma Williams"), "op1": ("nightowl.bsky.social", "O'Brien & Sons"),
                "op2": ("Quiet_Reader", None), "op3": ("truthseeker77", None)}
    for acc, (handle, name) in profiles.items():
        con.execute("UPDATE accounts SET handle = ?, display_name = ? WHERE account_id = ?", [handle, name, acc])
        con.execute("UPDATE posts SET handle = ? WHERE account_id = ?", [handle, acc])
    # an old handle op0 posted under before renaming
    con.execute("UPDATE posts SET handle = 'cobalt_old42' WHERE account_id = 'op0' AND post_id LIKE 'p0-%'")
    status = "https://x.com/Cobalt_Orbit137/status/1234567890"
    con.execute("UPDATE posts SET urls = [?, 'https://truthseeker77.substack.com/p/vote'], "
                "domains = ['x.com', 'truthseeker77.substack.com'], "
                "client = 'cobalt_orbit137''s $autoposter$', "
                "text = 'RT @cobalt_orbit137: ask @private_person and @Quiet_Reader ' || post_id "
                "WHERE account_id IN ('op4', 'op5', 'op6')", [status])
    con.execute("UPDATE networks SET why = ?, attribution_hint = ?", [
        "12 accounts led by @cobalt_orbit137 (display name 'Emma Williams') posted the same links.",
        "Clock of QUIET_READER and nightowl.bsky.social fits UTC+3."])
    con.execute("INSERT INTO account_signals VALUES "
                "(?, 'twitter', 'op0', 'handle_pattern', 3, 0.99, true, "
                " 'Handle @cobalt_orbit137 ends in a run of 3 digits; changed handle from @cobalt_old42', NULL), "
                "(?, 'twitter', 'op1', 'reused_identity', 2, 0.98, true, "
                " 'Profile: its display name ''Emma Williams'' nearly matches 3 other accounts''', NULL)",
                [DATASET, DATASET])
    con.execute("DELETE FROM account_signals WHERE account_id <> 'op0' AND account_id <> 'op1'")
    con.execute("INSERT INTO evidence SELECT dataset, network_id, 'co_link', ?, platform, account_id, post_id, time "
                "FROM evidence WHERE account_id IN ('op0', 'op1', 'op2')", [status])
    for trace, item in (("co_mention", "twitter/@private_person"), ("co_mention", "twitter/@quiet_reader"),
                        ("co_reply", "twitter/9988776655"), ("co_repost", "twitter/rt:op0:abcd")):
        con.execute("INSERT INTO evidence SELECT dataset, network_id, ?, ?, platform, account_id, post_id, time "
                    "FROM evidence WHERE account_id IN ('op3', 'op4') AND trace = 'co_link' "
                    "AND item LIKE '%news-truth%'", [trace, item])
    plant_narratives(store)


def _leaks(text: str) -> list[str]:
    """Raw identifiers in a published text: HTML entities decoded, defanged dots restored."""
    plain = htmllib.unescape(text).replace("[.]", ".").lower()
    found = [s for s in SECRET if s in plain]
    return found + ACCOUNT_IDS.findall(plain)


@pytest.fixture
def crafted(planted_store: Store) -> Store:
    _craft(planted_store)
    return planted_store


def test_crafted_data_reaches_every_output_in_clear_without_a_key(crafted: Store, tmp_path: Path) -> None:
    """The test data really puts each identifier into the outputs (so the checks below can fail)."""
    html = render_report(crafted, DATASET)
    assert set(_leaks(html)) >= {"cobalt_orbit137", "emma williams", "quiet_reader", "truthseeker77",
                                 "private_person"}
    assert "https://x.com/Cobalt_Orbit137/status/1234567890".replace(".", "[.]").replace("https", "hxxps") in html


def test_pseudonymized_report_names_no_ordinary_account(crafted: Store) -> None:
    html = render_report(crafted, DATASET, pseudo=Pseudonymizer(KEY))
    assert _leaks(html) == []
    # Still a useful report: the notable account as itself, ordinary ones as stable pseudonyms, the
    # status link reduced to its host and the account's pseudonym, the operation's text kept.
    assert "patriot_1011" in html
    label = Pseudonymizer(KEY).label("twitter", "op0", None)
    assert f"@{label}" not in html and label in html
    assert f"hxxps://x[.]com/{label}/…" in html
    assert "Handle " + label + " ends in a run of 3 digits" in html
    assert "$autoposter$" in html  # the client name, scrubbed and drawn literally


def test_pseudonymized_gexf_csv_and_stix_name_no_ordinary_account(crafted: Store, tmp_path: Path) -> None:
    write_gexf(crafted, DATASET, tmp_path / "g.gexf", Pseudonymizer(KEY))
    gexf = (tmp_path / "g.gexf").read_text(encoding="utf-8")
    assert _leaks(gexf) == [] and "patriot_1011" in gexf
    assert nx.read_gexf(tmp_path / "g.gexf").number_of_nodes() == N

    write_csv_tables(crafted, DATASET, tmp_path / "csv", Pseudonymizer(KEY))
    for name in ("networks", "members", "edges", "evidence"):
        text = (tmp_path / "csv" / f"{name}.csv").read_text(encoding="utf-8")
        assert _leaks(text) == [], name
    with open(tmp_path / "csv" / "evidence.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(crafted.rows("SELECT * FROM evidence"))
    assert all(r["post_id"].startswith("post-") for r in rows)

    notes = ExportNotes()
    bundle = build_bundle(crafted, DATASET, None, "amber", KEY, "ACME", notes=notes)
    text = json.dumps(bundle, ensure_ascii=False)
    assert _leaks(text) == []
    # the two URLs and the domain naming members are left out and counted; the rest is exported
    assert notes.redacted == {"url": 2, "domain": 1}
    values = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert any("news-truth.example.com" in p for p in values)


def test_export_cli_says_how_many_values_were_redacted(crafted: Store, tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    key.write_bytes(KEY)
    db = str(crafted.path)
    crafted.close()
    out = tmp_path / "b.json"
    result = CliRunner().invoke(cli, ["export", "stix", "--db", db, "--out", str(out), "--pseudonymize", str(key)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "left out 3 indicator value(s) that name a pseudonymized account (1 domain, 2 url)" in said
    assert _leaks(out.read_text(encoding="utf-8")) == []
    result = CliRunner().invoke(cli, ["export", "csv", "--db", db, "--out", str(tmp_path / "c"),
                                      "--pseudonymize", str(key)])
    assert result.exit_code == 0, result.output
    assert _leaks((tmp_path / "c" / "members.csv").read_text(encoding="utf-8")) == []


@pytest.mark.browser
def test_pseudonymized_pdf_names_no_ordinary_account(crafted: Store, tmp_path: Path) -> None:
    if chromium_binary() is None:
        pytest.skip("Chromium is installed by .ci/run (Debian package chromium)")
    from pypdf import PdfReader

    key = tmp_path / "k.key"
    key.write_bytes(KEY)
    db = str(crafted.path)
    crafted.close()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", db, "--out", str(out), "--pdf", "--pseudonymize", str(key)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = "\n".join(page.extract_text() or "" for page in PdfReader(out.with_suffix(".pdf")).pages)
    assert "patriot_1011" in text and "Executive summary" in text  # the text really was extracted
    assert _leaks(text) == []


def test_an_account_named_like_a_word_of_the_bundle_cannot_stop_the_export(crafted: Store) -> None:
    """The leak guard looks at indicator values, not at STIX's own vocabulary: before, a member
    called "indicator" or "campaign" made every pseudonymized export of its network refuse."""
    crafted.con.execute("UPDATE accounts SET handle = 'indicator' WHERE account_id = 'op7'")
    crafted.con.execute("UPDATE accounts SET handle = 'campaign' WHERE account_id = 'op8'")
    crafted.con.execute("UPDATE accounts SET account_id = 'malicious-activity' WHERE account_id = 'op9'")
    crafted.con.execute("UPDATE members SET account_id = 'malicious-activity' WHERE account_id = 'op9'")
    bundle = build_bundle(crafted, DATASET, None, "amber", KEY, "ACME")
    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert not any("'indicator'" in p or "'campaign'" in p or "'malicious-activity'" in p for p in patterns)
    assert sum("x_lockstep_login_hmac" in p for p in patterns) == N
