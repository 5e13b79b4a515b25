"""Progress of long commands: a bar with an estimate on a terminal, plain lines in a log or pipe."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from lockstep.cli import common
from lockstep.cli.common import StepProgress


def test_plain_lines_when_not_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with StepProgress("detect", ["trace co_link", "networks"]) as progress:
        progress("trace co_link")
        progress("networks")
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["detect: trace co_link", "detect: networks"]
    assert lines[0].startswith("detect: trace co_link (1/2, ") and lines[0].endswith(" s)")
    assert lines[1].startswith("detect: networks (2/2, ")


def test_a_bar_with_steps_done_and_time_left_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(common, "on_terminal", lambda: True)
    monkeypatch.setitem(common._consoles, "err_console",
                        Console(file=screen, force_terminal=True, width=120, color_system=None))
    with StepProgress("detect", ["trace co_link", "trace sync", "networks"]) as progress:
        progress("trace co_link")
        progress("trace sync")
        progress("networks")
    shown = screen.getvalue()
    assert "detect: networks" in shown
    assert "2/3" in shown
    assert "left" in shown
