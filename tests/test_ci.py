"""CI runs the same checks a reviewer runs: lint and typecheck before the test suite.

`.ci/run` is what a fresh CI machine executes; if it only ran `make test`, a lint error or a type
error would land unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_targets(script: str) -> list[str]:
    return re.findall(r"^make\s+(\S+)\s*$", script, flags=re.MULTILINE)


def test_ci_runs_lint_and_typecheck_before_the_tests() -> None:
    targets = _make_targets((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert "test" in targets, f"`.ci/run` runs make targets {targets}, expected 'test' among them"
    for check in ("lint", "typecheck"):
        assert check in targets, f"`.ci/run` runs make targets {targets}, expected '{check}' among them"
        assert targets.index(check) < targets.index("test"), (
            f"`.ci/run` runs 'make {check}' after 'make test' ({targets}); run the fast checks first"
        )


def test_the_makefile_defines_the_targets_ci_runs() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in _make_targets((ROOT / ".ci" / "run").read_text(encoding="utf-8")):
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), (
            f"`.ci/run` runs 'make {target}' but the Makefile has no '{target}:' target"
        )
