"""The analyst's report: content, self-containment, pseudonymization, and rendering in Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.report.html import chromium_binary, render_report
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.store import Store
from tests.report.conftest import DATASET

CHARTS = ["overview", "creation", "timeline", "heatmap", "clients", "map"]
#: Anything a browser would fetch or follow: src/href/url()/@import with a scheme, or any bare URL.
EXTERNAL = re.compile(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//|url\(\s*[\"']?(?:https?:)?//|@import|https?://", re.I)


def test_report_has_every_section_and_chart(planted_store: Store) -> None:
    html = render_report(planted_store, DATASET)
    for section in ("Executive summary", "Methods and provenance", "Assets by platform", "Evidence",
                    "Shared domains", "DISARM techniques", "Appendix: indicators", "Why flagged"):
        assert section in html, section
    for chart in CHARTS:
        block = re.search(rf'data-chart="{chart}">(.*?)</figure>', html, re.S)
        assert block, chart
        assert "<svg" in block.group(1) and "<path" in block.group(1), chart
    # The inferred clock is shown as a hint with its confidence, never as a verdict.
    assert "UTC+3:00" in html and "a hint" in html
    # Follower counts of the asset table are summed per platform (10 twitter accounts: 50..59).
    assert "545" in html


def test_report_shows_the_networks_narratives_when_computed(planted_store: Store) -> None:
    from tests.report.conftest import plant_narratives

    before = render_report(planted_store, DATASET)
    assert "Narratives have not been computed" in before
    plant_narratives(planted_store)
    html = render_report(planted_store, DATASET)
    assert "vote · truth · hide" in html and "weather · rain" not in html
    assert "The truth they hide about the vote" in html  # the network's own post as the example


def test_report_contains_no_external_urls(planted_store: Store) -> None:
    html = render_report(planted_store, DATASET)
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    # The shared link is still there for the analyst, defanged.
    assert "news-truth[.]example[.]com" in html


def test_pseudonymized_report_hides_ordinary_accounts_but_not_notable_ones(planted_store: Store) -> None:
    plain = render_report(planted_store, DATASET)
    hidden = render_report(planted_store, DATASET, pseudo=Pseudonymizer(b"k" * 32))
    assert "patriot_1000" in plain
    assert "patriot_1000" not in hidden and "op0" not in hidden
    assert "acct-" in hidden
    # patriot_1011 is verified with 250k followers: notable, so shown as itself.
    assert "patriot_1011" in hidden
    # Same key, same pseudonyms; another key, other pseudonyms.
    again = render_report(planted_store, DATASET, pseudo=Pseudonymizer(b"k" * 32))
    other = render_report(planted_store, DATASET, pseudo=Pseudonymizer(b"z" * 32))
    names = set(re.findall(r"acct-[0-9a-f]{10}", hidden))
    assert names == set(re.findall(r"acct-[0-9a-f]{10}", again))
    assert names.isdisjoint(re.findall(r"acct-[0-9a-f]{10}", other))


def test_report_cli_errors_are_clear(planted_store: Store, tmp_path: Path) -> None:
    db = str(planted_store.path)
    planted_store.close()
    result = CliRunner().invoke(cli, ["report", "--db", db, "--network", "99", "--out", str(tmp_path / "r.html")])
    assert result.exit_code != 0
    assert "no network(s) [99]" in str(result.exception) or "no network(s) [99]" in result.output


@pytest.mark.browser
def test_report_renders_in_headless_chromium(planted_store: Store, tmp_path: Path) -> None:
    if chromium_binary() is None or shutil.which("chromedriver") is None:
        pytest.skip("Chromium and chromedriver are installed by .ci/run (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    out = tmp_path / "report.html"
    out.write_text(render_report(planted_store, DATASET), encoding="utf-8")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium_binary() or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,2000", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=opts)
    try:
        driver.get(out.resolve().as_uri())
        for chart in CHARTS:
            figs = driver.find_elements(By.CSS_SELECTOR, f'figure[data-chart="{chart}"] svg')
            assert figs, f"chart {chart} missing"
            for svg in figs:
                assert svg.size["width"] > 100 and svg.size["height"] > 40, (chart, svg.size)
                assert len(svg.find_elements(By.CSS_SELECTOR, "path")) > 3, chart
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 20_000  # a blank page compresses to a few KB
    finally:
        driver.quit()


@pytest.mark.browser
def test_pdf_export(planted_store: Store, tmp_path: Path) -> None:
    if chromium_binary() is None:
        pytest.skip("Chromium is installed by .ci/run (Debian package chromium)")
    db = str(planted_store.path)
    planted_store.close()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--db", db, "--out", str(out), "--pdf"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
