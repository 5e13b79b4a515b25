"""Every registered detector passes the contract suite."""

from __future__ import annotations

import pytest

from lockstep import registry
from lockstep.testing.checks import check_detector

DETECTORS = sorted(registry.plugins("lockstep.detectors").items())


@pytest.mark.parametrize(("name", "cls"), DETECTORS, ids=[n for n, _ in DETECTORS])
def test_detector_contract(name: str, cls: type) -> None:
    assert cls.name == name
    check_detector(cls)


def test_all_builtin_traces_registered() -> None:
    names = set(registry.plugins("lockstep.detectors"))
    assert {"co_repost", "co_link", "co_domain", "co_text", "co_hashtag", "co_reply", "co_mention",
            "co_image", "sync"} <= names


def test_detectors_never_touch_duckdb_directly() -> None:
    """Detectors speak only to the Engine protocol, so a Spark engine can run them unchanged."""
    from pathlib import Path

    import lockstep.traces

    for path in Path(lockstep.traces.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import duckdb" not in text and "from duckdb" not in text, path.name
