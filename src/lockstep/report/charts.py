"""The report's charts, drawn with matplotlib and embedded as inline SVG (no network needed to view).

Each function returns an SVG string. Text stays text (``svg.fonttype = none``) so charts are small,
searchable and readable by screen readers; colours come from one colour-blind-safe palette.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from lockstep.report.escape import chart_text

# Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
INK = "#1f2933"
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.edgecolor": "#9aa5b1",
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def utc_label(offset: float) -> str:
    """``UTC+3:30`` style label of an offset in hours."""
    sign = "+" if offset >= 0 else "−"
    minutes = round(abs(offset) * 60)
    return f"UTC{sign}{minutes // 60}:{minutes % 60:02d}"


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # Inline SVG in HTML5 needs no namespaces or RDF metadata; dropping them leaves the report
    # free of any URL, so a reader's browser has nothing to resolve.
    text = _METADATA.sub("", text)
    return _XMLNS.sub("", text)


def _empty(message: str, size: tuple[float, float] = (6.5, 1.2)) -> str:
    fig, ax = plt.subplots(figsize=size)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#52606d")
    return _svg(fig)


def creation_histogram(dates: Sequence[datetime]) -> str:
    """When the network's accounts were created: bursts show as tall narrow bars."""
    if not dates:
        return _empty("The source gives no account creation dates for this network.")
    fig, ax = plt.subplots(figsize=(6.5, 2.4))
    nums = mdates.date2num(list(dates))
    span = max(nums) - min(nums)
    bins = max(10, min(80, int(span / 7) + 1)) if span > 0 else 10
    ax.hist(nums, bins=bins, color=PALETTE[0])
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_ylabel("accounts created")
    return _svg(fig)


def daily_timeline(daily: Sequence[tuple[datetime, int]]) -> str:
    """Posts per day (UTC) by the network's members."""
    if not daily:
        return _empty("No posts by this network's members.")
    fig, ax = plt.subplots(figsize=(6.5, 2.4))
    days = mdates.date2num([d for d, _ in daily])
    ax.bar(days, [n for _, n in daily], width=0.9, color=PALETTE[2])
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_ylabel("posts per day (UTC)")
    return _svg(fig)


def hour_weekday_heatmap(grid: Sequence[Sequence[int]], utc_offset: float | None) -> str:
    """Activity by UTC hour and weekday, with the inferred operator working day outlined."""
    if not any(any(r) for r in grid):
        return _empty("No posts to place on the weekly clock.")
    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    im = ax.imshow(grid, aspect="auto", cmap="Blues", interpolation="nearest")
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_xlabel("hour of day (UTC)")
    fig.colorbar(im, ax=ax, label="posts", fraction=0.03)
    if utc_offset is not None:
        start = (9 - utc_offset) % 24
        for s, w in ((start, 9.0),) if start + 9 <= 24 else ((start, 24 - start), (0.0, start + 9 - 24)):
            ax.add_patch(Rectangle((s - 0.5, -0.5), w, 5, fill=False, lw=2, ec=PALETTE[3]))
        ax.set_title(f"outlined: a 09:00–18:00 Mon–Fri day at {utc_label(utc_offset)} (inferred, a hint)",
                     fontsize=8, color=PALETTE[3], loc="left")
    return _svg(fig)


def client_bars(clients: Sequence[tuple[str, int]]) -> str:
    """Which apps the network posted from."""
    if not clients:
        return _empty("The source does not name client apps.")
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(clients) + 0.6))
    # Client names come from the data: escaped for mathtext, and placed by position so two names
    # that read the same once shortened keep their own bars.
    rows = list(clients)[::-1]
    ax.barh(range(len(rows)), [n for _, n in rows], color=PALETTE[1])
    ax.set_yticks(range(len(rows)), [chart_text(c, limit=40) for c, _ in rows])
    ax.set_xlabel("posts")
    return _svg(fig)


def network_map(members: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]], seed: int = 7) -> str:
    """Members as nodes coloured by sub-cluster; edges coloured by the trace that joined them."""
    if not members:
        return _empty("No members.")
    g = nx.Graph()
    for m in members:
        g.add_node((m["platform"], m["account_id"]), sub=m.get("subcluster") or 0)
    for e in edges:
        g.add_edge((e["platform_a"], e["account_a"]), (e["platform_b"], e["account_b"]), trace=e["trace"])
    pos = nx.spring_layout(g, seed=seed, k=1.5 / max(1, len(g)) ** 0.5)
    traces = sorted({d["trace"] for _, _, d in g.edges(data=True)})
    tcol = {t: PALETTE[(i + 3) % len(PALETTE)] for i, t in enumerate(traces)}
    subs = sorted({d["sub"] for _, d in g.nodes(data=True)})
    scol = {s: PALETTE[i % 6] for i, s in enumerate(subs)}
    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    ax.axis("off")
    for t in traces:
        el = [(u, v) for u, v, d in g.edges(data=True) if d["trace"] == t]
        nx.draw_networkx_edges(g, pos, edgelist=el, edge_color=tcol[t], alpha=0.45, width=0.8, ax=ax)
    nx.draw_networkx_nodes(g, pos, node_size=28 if len(g) > 60 else 60,
                           node_color=[scol[d["sub"]] for _, d in g.nodes(data=True)],
                           edgecolors="white", linewidths=0.5, ax=ax)
    handles = [Line2D([0], [0], color=tcol[t], lw=2, label=t) for t in traces]
    handles += [Line2D([0], [0], marker="o", color="w", markerfacecolor=scol[s], markersize=7,
                       label=f"sub-cluster {s}") for s in subs[:6]]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    return _svg(fig)


def overview_bars(rows: Sequence[dict[str, Any]]) -> str:
    """Networks by score, sized by members: the executive summary's one picture."""
    if not rows:
        return _empty("No networks were found.")
    top = list(rows)[:15][::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(top) + 0.8))
    ax.barh([f"#{r['network_id']} ({r['size']} accounts)" for r in top], [r["score"] or 0 for r in top],
            color=PALETTE[0])
    ax.set_xlabel("network score")
    return _svg(fig)
