"""The lockstep view: members as rows, time across, each shared item's posts joined by a line.

A reader sees at a glance the same link or text posted by twenty accounts within ninety seconds: a
near-vertical line crossing many rows. Posts of an item more than ten minutes apart are not joined. Drawn on the server as plain SVG (no script), each point with
a ``<title>`` tooltip, colours from the report's colour-blind-safe palette.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from lockstep.report.charts import PALETTE

ROW_H = 16
GUTTER = 170
PLOT_W = 720
TOP = 24
MAX_ROWS = 60
BURST_GAP_S = 600


def _short(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per item (in the order first posted): its colour, accounts, posts and the time they span."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        it = items.setdefault((r["trace"], r["item"]), {"trace": r["trace"], "item": r["item"], "times": [],
                                                        "accounts": set()})
        it["times"].append(r["time"])
        it["accounts"].add((r["platform"], r["account_id"]))
    out = []
    for i, it in enumerate(items.values()):
        span = (max(it["times"]) - min(it["times"])).total_seconds()
        out.append({"trace": it["trace"], "item": it["item"], "colour": PALETTE[i % len(PALETTE)],
                    "accounts": len(it["accounts"]), "posts": len(it["times"]), "span": _short(span),
                    "first": min(it["times"])})
    return out


def _bursts(posts: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The item's posts (in time order) cut where BURST_GAP_S passes without one: a line joins posts
    made together, not a late repost days after."""
    runs: list[list[dict[str, Any]]] = []
    for p in posts:
        if runs and (p["time"] - runs[-1][-1]["time"]).total_seconds() <= BURST_GAP_S:
            runs[-1].append(p)
        else:
            runs.append([p])
    return [r for r in runs if len(r) > 1]


def _tick(t: datetime, span_s: float) -> str:
    return t.strftime("%H:%M:%S" if span_s < 3600 else "%m-%d %H:%M" if span_s < 5 * 86400 else "%Y-%m-%d")


def svg(rows: Sequence[dict[str, Any]], label: Callable[[str, str], str], item_text: Callable[[str, str], str]) -> str:
    """The view as an SVG string; empty when the network has no item evidence."""
    if not rows:
        return ""
    items = summarize(rows)
    colour = {(i["trace"], i["item"]): i["colour"] for i in items}
    order: list[tuple[str, str]] = []
    for r in rows:  # rows come ordered by time: members appear in the order they first posted
        key = (r["platform"], r["account_id"])
        if key not in order:
            order.append(key)
    shown = order[:MAX_ROWS]
    y_of = {k: TOP + i * ROW_H + ROW_H / 2 for i, k in enumerate(shown)}
    t0, t1 = min(r["time"] for r in rows), max(r["time"] for r in rows)
    span = max((t1 - t0).total_seconds(), 60.0)

    def x(t: datetime) -> float:
        return GUTTER + (t - t0).total_seconds() / span * PLOT_W

    height = TOP + len(shown) * ROW_H + 30
    out = [f'<svg class="lockstep-view" viewBox="0 0 {GUTTER + PLOT_W + 20} {height}" role="img" '
           f'aria-label="Lockstep view: {len(items)} shared items posted by {len(order)} members over time">']
    for i, k in enumerate(shown):
        y = TOP + i * ROW_H
        if i % 2 == 0:
            out.append(f'<rect x="{GUTTER}" y="{y}" width="{PLOT_W}" height="{ROW_H}" fill="#f3f5f7"/>')
        out.append(f'<text x="{GUTTER - 6}" y="{y + ROW_H - 4}" text-anchor="end" font-size="11">'
                   f'{escape(label(*k)[:26])}</text>')
    base = TOP + len(shown) * ROW_H
    for j in range(5):
        t = t0 + (t1 - t0) * (j / 4) if t1 > t0 else t0
        tx = x(t)
        out.append(f'<line x1="{tx:.1f}" y1="{TOP}" x2="{tx:.1f}" y2="{base + 4}" stroke="#cbd2d9"/>'
                   f'<text x="{tx:.1f}" y="{base + 18}" text-anchor="middle" font-size="10">{_tick(t, span)}</text>')
    by_item: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if (r["platform"], r["account_id"]) in y_of:
            by_item.setdefault((r["trace"], r["item"]), []).append(r)
    for key, posts in by_item.items():
        c = colour[key]
        for run in _bursts(posts):
            pts = " ".join(f"{x(p['time']):.1f},{y_of[(p['platform'], p['account_id'])]:.1f}" for p in run)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.2" opacity="0.7"/>')
        what = escape(item_text(*key)[:120])
        for p in posts:
            who = escape(label(p["platform"], p["account_id"]))
            out.append(f'<circle cx="{x(p["time"]):.1f}" cy="{y_of[(p["platform"], p["account_id"])]:.1f}" r="3.2" '
                       f'fill="{c}"><title>{who} at {p["time"]:%Y-%m-%d %H:%M:%S} UTC: {what}</title></circle>')
    out.append(f'<text x="{GUTTER}" y="14" font-size="11">time (UTC) →'
               + (f"; first {MAX_ROWS} of {len(order)} members shown" if len(order) > MAX_ROWS else "")
               + "</text></svg>")
    return "".join(out)
