"""The import layering of ``[tool.importlinter]`` in pyproject.toml holds.

`make lint` runs the same check; this test keeps it visible in the test suite too. The contracts
forbid import cycles anywhere in the package (there was one: ``share.indicators`` ->
``share.match`` -> ``share.stix`` -> ``share.indicators``) and keep stages below the command line,
the server and the report.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_contracts_cover_cycles_layers_and_detectors() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    kinds = {c["id"]: c["type"] for c in config["contracts"]}
    assert kinds == {"acyclic": "acyclic_siblings", "layers": "layers", "detectors": "forbidden"}, kinds
    detectors = next(c for c in config["contracts"] if c["id"] == "detectors")
    assert "lockstep.traces" in detectors["source_modules"]
    assert {"lockstep.cli", "lockstep.serve", "lockstep.report"} <= set(detectors["forbidden_modules"])


def test_the_package_keeps_its_import_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 kept, 0 broken" in out, out
