"""Render the analyst's report: one self-contained HTML file (optionally also PDF via Chromium).

Self-contained means no external URL at all: charts are inline SVG, styles inline, no fonts or
scripts fetched. A test checks that the output names no external resource.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from lockstep import __version__
from lockstep.errors import ConfigError, LockstepError
from lockstep.ingest.normalize import defang, defang_text
from lockstep.report import charts
from lockstep.report.data import NetworkView, load_network, network_rows, provenance
from lockstep.share.pseudonymizer import Pseudonymizer, load_accounts
from lockstep.share.tlp import LEVELS
from lockstep.store import Store

TLP_LEVELS = LEVELS  # the one TLP module


def confidence(row: dict[str, Any]) -> str:
    """Plain words for the coordination score (in [0, 1), see docs/detection.md): how hard the
    network's co-activity is to explain by chance. Signals re-rank but do not change this band."""
    s = row.get("coordination_score")
    s = min(float(row.get("score") or 0.0), 1.0) if s is None else float(s)
    return "high" if s >= 0.7 else "medium" if s >= 0.4 else "low"


def offset_label(offset: float | None, conf: float | None) -> str:
    if offset is None:
        return "Working-day clock: evidence too weak to infer an operator time zone."
    return f"Activity fits a working day at {charts.utc_label(offset)} (confidence {conf or 0:.2f}; a hint, not a verdict)."


def fmt_time(t: Any) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if isinstance(t, datetime) else ("" if t is None else str(t))


def fmt_date(t: Any) -> str:
    return t.strftime("%Y-%m-%d") if isinstance(t, datetime) else ("" if t is None else str(t))


def num(v: Any) -> str:
    return "" if v is None else f"{int(v):,}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lockstep.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["defang"] = defang
    env.filters["defang_text"] = defang_text
    env.filters["basename"] = lambda p: Path(str(p)).name
    env.globals.update(confidence=confidence, offset_label=offset_label, fmt_time=fmt_time,
                       fmt_date=fmt_date, num=num)
    return env


def _attach_charts(view: NetworkView) -> None:
    v: Any = view
    v.creation_svg = charts.creation_histogram(view.creation_dates)
    v.timeline_svg = charts.daily_timeline(view.daily)
    v.heatmap_svg = charts.hour_weekday_heatmap(view.hour_weekday, view.row.get("utc_offset_hours"))
    v.clients_svg = charts.client_bars(view.clients)
    v.map_svg = charts.network_map(view.members, view.edges)


def present_evidence(view: NetworkView, pseudo: Pseudonymizer) -> None:
    """How each evidence item reads in the report: time slots as times, URLs defanged, and account
    and post references (repost, reply and mention targets) pseudonymized like members."""
    for e in view.evidence:
        item = str(e.get("item") or "")
        if e["trace"] == "sync":
            item = f"active in the same short time slot starting {fmt_time(e.get('first_time'))} UTC"
        else:
            item = pseudo.item(e["trace"], item)
        e["item_shown"] = defang_text(item[:160])


def scrub_view(view: NetworkView, pseudo: Pseudonymizer) -> None:
    """Every string the report shows of a network, through the one pseudonymization path (member
    names are labels already; this catches identifiers inside sentences, URLs, client names,
    example posts)."""
    if not pseudo.active:
        return
    view.row = pseudo.scrub_all(view.row)
    for m in view.members:
        if not pseudo.is_notable(m.get("followers"), m.get("verified")):
            m["handle"] = m["display_name"] = m["label"]
    view.clients = pseudo.scrub_all(view.clients)
    view.domains = pseudo.scrub_all(view.domains)
    view.urls = pseudo.scrub_all(view.urls)
    view.signals = pseudo.scrub_all(view.signals)
    view.narratives = pseudo.scrub_all(view.narratives)
    view.techniques = pseudo.scrub_all(view.techniques)
    view.assets = pseudo.scrub_all(view.assets)


def render_report(store: Store, dataset: str, network_ids: list[int] | None = None, *,
                  pseudo: Pseudonymizer | None = None, tlp: str | None = None,
                  max_networks: int = 25) -> str:
    """The report as an HTML string."""
    if tlp is not None and tlp not in TLP_LEVELS:
        raise ConfigError(f"--tlp must be one of {', '.join(TLP_LEVELS)}. Got {tlp!r}.")
    pseudo = pseudo or Pseudonymizer()
    rows = network_rows(store, dataset, network_ids)
    if not network_ids:
        rows = rows[:max_networks]
    if pseudo.active:
        # Every network's members, not only the shown ones: their posts and sentences name each other.
        pseudo.know(load_accounts(store, dataset))
    views = [load_network(store, dataset, r, pseudo) for r in rows]
    for v in views:
        scrub_view(v, pseudo)
        _attach_charts(v)
        present_evidence(v, pseudo)
    rows = [v.row for v in views]
    prov = pseudo.scrub_all(provenance(store, dataset))
    indicators = [
        {"network": v.network_id, "kind": kind, "value": item[key], "shares": item["shares"]}
        for v in views
        for kind, key, items in (("domain", "domain", v.domains[:10]), ("url", "url", v.urls[:10]))
        for item in items
    ]
    members = sum(int(r["size"] or 0) for r in rows)
    platforms = sorted({a["platform"] for v in views for a in v.assets})
    firsts = [r["first_activity"] for r in rows if r.get("first_activity")]
    lasts = [r["last_activity"] for r in rows if r.get("last_activity")]
    window = f"{fmt_date(min(firsts))} – {fmt_date(max(lasts))}" if firsts and lasts else "—"
    limitations = [
        "Coordination is evidence of accounts acting together, not proof of who runs them; origin hints "
        "come from activity clocks and languages and can be spoofed.",
        "Only the data ingested is seen: deleted posts, private groups and other platforms are invisible.",
        "Near-duplicate text and image matching have thresholds; heavily rewritten content can evade them.",
    ]
    if prov["zone_unknown"]:
        limitations.append(f"{prov['zone_unknown']} posts came without a time zone and were read as UTC; "
                           "clock-based hints for them assume the source used UTC.")
    top = views[0] if views else None
    summary = (
        f"Lockstep found {len(rows)} network(s) of coordinated accounts ({members} accounts) in "
        f"{prov['posts']:,} posts by {prov['accounts']:,} accounts. "
        + (f"The strongest, #{top.network_id} ({top.row['size']} accounts): {top.row['why']}" if top else "")
    )
    env = environment()
    return env.get_template("report.html.j2").render(
        version=__version__, dataset=dataset, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tlp=tlp, pseudonymized=pseudo.active, networks=views, total_members=members, platforms=platforms,
        window=window, summary_text=summary, overview_svg=charts.overview_bars(rows), prov=prov,
        limitations=limitations, indicators=indicators,
    )


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_flags(user_data_dir: str) -> list[str]:
    """Headless flags that keep Chromium off the network entirely."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={user_data_dir}"]


def html_to_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the HTML to PDF with headless Chromium."""
    binary = chromium_binary()
    if binary is None:
        raise LockstepError("--pdf needs Chromium (install the 'chromium' package); the HTML report was written.")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [binary, *chromium_flags(profile), "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0 or not pdf_path.exists():
        raise LockstepError(f"Chromium could not print the PDF (exit {proc.returncode}): {proc.stderr[-500:]}")
