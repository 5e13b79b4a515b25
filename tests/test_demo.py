"""`lockstep demo`, the quick start's main job, runs end to end and leaves every artefact usable."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--posts", "20000", "--seed", "3", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    figures = json.loads((out / "figures.json").read_text())
    ev = figures["evaluation"]
    assert 0.0 <= ev["precision"] <= 1.0 and 0.0 <= ev["recall"] <= 1.0
    # Planted operations exist in every synthetic dataset, so the demo must find some of them.
    assert ev["recall"] > 0.3 and ev["precision"] > 0.5
    assert set(figures["seconds"]) >= {"synth", "ingest", "detect", "report"}

    bundle = json.loads((out / "bundle.json").read_text())
    assert bundle["type"] == "bundle" and any(o["type"] == "intrusion-set" for o in bundle["objects"])
    g = nx.read_gexf(out / "networks.gexf")
    assert g.number_of_nodes() > 0
    html = (out / "report.html").read_text()
    assert "Executive summary" in html and 'data-chart="map"' in html
    assert (out / "csv" / "members.csv").exists()
    # the demo ends with the workspace ready: its user signs in with the password it wrote
    assert "lockstep ui --db" in result.output
    from lockstep.serve.database import make_engine
    from lockstep.ui.users import authenticate

    password = (out / "workspace-login.txt").read_text().split("password: ")[1].strip()
    engine = make_engine(f"sqlite:///{out / 'workspace.sqlite'}")
    assert authenticate(engine, "analyst", password) is not None
    engine.dispose()
