"""``follow --min-items``: the shared-item traces' minimum only; sync and the similarity traces keep theirs."""

from __future__ import annotations

from lockstep.follow.loop import item_min_items
from lockstep.networks.detect import DetectOptions, make_detectors


def test_min_items_reaches_the_shared_item_traces_only() -> None:
    assert item_min_items(None) == {}
    got = {d.name: d.min_items for d in make_detectors(DetectOptions(min_items_by_trace=item_min_items(2)))}
    default = {d.name: d.min_items for d in make_detectors(DetectOptions())}
    for name, n in got.items():
        if name.startswith("co_"):
            assert n == 2, name
        else:
            assert n == default[name], name
    assert default["co_text"] == 3 and default["sync"] == 5  # what the option changes, and what it leaves


def test_min_items_by_trace_wins_over_the_global_minimum() -> None:
    opts = DetectOptions(min_items=4, min_items_by_trace={"co_link": 2})
    got = {d.name: d.min_items for d in make_detectors(opts)}
    assert got["co_link"] == 2 and got["co_text"] == 4 and got["sync"] == 4
