"""GEXF (for Gephi) and CSV exports of findings."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.report.gexf import build_graph
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.store import Store
from tests.report.conftest import DATASET, N


def test_gexf_parses_with_networkx_and_keeps_weights_and_types(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    out = tmp_path / "g.gexf"
    result = CliRunner().invoke(cli, ["export", "gexf", "--db", db, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    g = nx.read_gexf(out)
    assert g.number_of_nodes() == N
    assert g.number_of_edges() == N * (N - 1) // 2
    traces = {d["trace"] for _, _, d in g.edges(data=True)}
    assert traces == {"co_link", "co_text"}
    assert all(abs(float(d["weight"]) - 3.5) < 1e-9 for _, _, d in g.edges(data=True))
    node = g.nodes["twitter:op0"]
    assert int(node["network"]) == 1 and float(node["score"]) > 0.8 and node["platform"] == "twitter"


def test_gexf_pseudonymized_names_no_ordinary_account(planted_store: Store) -> None:
    g = build_graph(planted_store, DATASET, Pseudonymizer(b"s" * 32))
    names = " ".join(str(n) for n in g.nodes)
    assert "op0" not in names and "patriot_1000" not in names
    assert "patriot_1011" in names  # notable (verified, 250k followers)


def test_csv_export_writes_the_four_tables(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    result = CliRunner().invoke(cli, ["export", "csv", "--db", db, "--out", str(tmp_path / "csv")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    counts = {}
    for name in ("networks", "members", "edges", "evidence"):
        with open(tmp_path / "csv" / f"{name}.csv", newline="") as fh:
            counts[name] = len(list(csv.DictReader(fh)))
    assert counts == {"networks": 1, "members": N, "edges": N * (N - 1) // 2, "evidence": N}


def test_every_out_into_a_missing_folder_creates_it(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    deep = tmp_path / "not" / "there" / "yet"
    runs = {
        "stix": (["export", "stix"], deep / "stix" / "bundle.json"),
        "gexf": (["export", "gexf"], deep / "gexf" / "g.gexf"),
        "csv": (["export", "csv"], deep / "csv" / "tables"),
        "posts": (["export", "posts"], deep / "posts" / "posts.parquet"),
        "report": (["report"], deep / "report" / "r.html"),
        "sightings": (["intel", "sightings"], deep / "sightings" / "s.json"),
    }
    for name, (cmd, out) in runs.items():
        result = CliRunner().invoke(cli, [*cmd, "--db", db, "--out", str(out)])
        assert result.exit_code == 0, (name, result.output, result.exception)
        assert out.exists(), name


def test_out_under_a_file_is_one_clear_line(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for cmd in (["export", "stix"], ["export", "gexf"], ["export", "csv"], ["report"]):
        result = CliRunner().invoke(cli, [*cmd, "--db", db, "--out", str(blocker / "sub" / "out.x")])
        assert result.exit_code == 2, (cmd, result.output)
        assert "cannot create the folder" in result.output and str(blocker) in result.output, result.output
        assert "Traceback" not in result.output and not isinstance(result.exception, OSError)


def test_a_file_that_cannot_be_written_is_one_clear_line(planted_store: Store) -> None:
    import subprocess
    import sys

    db = str(planted_store.path)
    planted_store.close()
    for cmd in (["export", "gexf"], ["export", "stix"], ["report"], ["export", "posts", "--format", "csv"]):
        proc = subprocess.run([sys.executable, "-m", "lockstep", *cmd, "--db", db, "--out", "/dev/full"],
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 2, (cmd, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        said = " ".join(proc.stderr.split())  # the console wraps long lines
        assert "Cannot write '/dev/full'" in said and "No space left on device" in said, said
