"""Hostile data on its way into renderers: chart text, HTML, GEXF XML and CSV cells stay inert."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx
import pytest

from lockstep.report.escape import csv_cell, write_csv
from lockstep.report.gexf import write_csv_tables, write_gexf
from lockstep.report.html import render_report
from lockstep.store import Store
from tests.report.conftest import DATASET

CLIENTS = [r"$\evilmacro$", r"$x^{2}$ \frac", "price $5 and $6", "_underscore", "<b>bold</b>"]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _set_clients(store: Store) -> None:
    for i, name in enumerate(CLIENTS):
        store.con.execute("UPDATE posts SET client = ? WHERE dataset = ? AND account_id = ?",
                          [name, DATASET, f"op{i}"])


def test_client_names_with_mathtext_do_not_stop_the_report(planted_store: Store) -> None:
    _set_clients(planted_store)
    html = render_report(planted_store, DATASET)
    # Drawn literally: the SVG holds the names as written (XML-escaped where XML needs it).
    assert r"$\evilmacro$" in html
    assert r"$x^{2}$ \frac" in html
    assert "price $5 and $6" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_markup_in_handles_and_sentences_is_escaped_in_html(planted_store: Store) -> None:
    evil = '<img src=x onerror="alert(1)">'
    planted_store.con.execute("UPDATE accounts SET handle = ? WHERE account_id = 'op0'", [evil])
    planted_store.con.execute("UPDATE networks SET why = ?", [f"Why: {evil} {{{{ 7*7 }}}}"])
    html = render_report(planted_store, DATASET)
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html.split("Why:")[1][:40]


def test_gexf_stays_valid_xml_with_control_characters_and_markup(planted_store: Store, tmp_path: Path) -> None:
    planted_store.con.execute("UPDATE accounts SET handle = ? WHERE account_id = 'op11'", ["a\x00b\x01<&\"c\x1f"])
    planted_store.con.execute("UPDATE members SET platform = ? WHERE account_id = 'op11'", ["tele\x02gram"])
    planted_store.con.execute("UPDATE edges SET platform_b = ? WHERE account_b = 'op11'", ["tele\x02gram"])
    planted_store.con.execute("UPDATE accounts SET platform = ? WHERE account_id = 'op11'", ["tele\x02gram"])
    out = tmp_path / "g.gexf"
    write_gexf(planted_store, DATASET, out)
    g = nx.read_gexf(out)
    assert g.number_of_nodes() == 12
    labels = {d["label"] for _, d in g.nodes(data=True)}
    assert "a\ufffdb\ufffd<&\"c\ufffd" in labels


@pytest.mark.parametrize("cell", FORMULAS)
def test_csv_cell_neutralizes_what_a_spreadsheet_would_run(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell
    assert csv_cell([cell, "x"]) == "'" + cell + ";x"


def test_csv_cell_keeps_plain_values() -> None:
    assert csv_cell("plain text") == "plain text"
    assert csv_cell("a=b") == "a=b"
    assert csv_cell(-3.5) == -3.5 and csv_cell(7) == 7 and csv_cell(None) is None
    buf = io.StringIO()
    write_csv(buf, ["a", "b"], [["x,\"y\"", "=1"]])
    assert list(csv.reader(io.StringIO(buf.getvalue()))) == [["a", "b"], ["x,\"y\"", "'=1"]]


def test_export_csv_writes_no_cell_a_spreadsheet_would_run(planted_store: Store, tmp_path: Path) -> None:
    planted_store.con.execute("UPDATE networks SET why = ?", [FORMULAS[0]])
    for i, f in enumerate(FORMULAS):
        planted_store.con.execute("UPDATE evidence SET item = ? WHERE account_id = ?", [f, f"op{i}"])
    planted_store.con.execute("UPDATE members SET account_id = '@op1' WHERE account_id = 'op1'")
    counts = write_csv_tables(planted_store, DATASET, tmp_path / "csv")
    assert counts["evidence"] == 12
    cells = []
    for name in ("networks", "members", "edges", "evidence"):
        with open(tmp_path / "csv" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for f in FORMULAS:
        assert "'" + f in cells
    assert "'@op1" in cells


def test_csv_output_of_commands_is_neutralized(capsys: pytest.CaptureFixture[str]) -> None:
    from lockstep.cli.common import print_csv

    print_csv(["account_id", "score"], [["=1+1", -0.5], ["@x", 1]])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["account_id", "score"], ["'=1+1", "-0.5"], ["'@x", "1"]]
