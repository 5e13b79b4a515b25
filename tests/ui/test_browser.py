"""The workspace in a real browser (Debian's Chromium driven by Selenium) against a real
``lockstep ui`` process: sign in, filter, open a network, record a verdict, see it after a reload
and in the audit log, export the confirmed networks as STIX, and the refusals (a viewer recording a
verdict, a POST without its CSRF token). axe-core (vendored, see tests/ui/vendor) checks each main
page for serious or critical accessibility violations. Screenshots go to the test's tmp folder."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lockstep.report.html import chromium_binary
from lockstep.testing.taxii import start_command
from tests.ui.conftest import DATASET, PASSWORD, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if chromium_binary() is None or shutil.which("chromedriver") is None:
        pytest.skip("Chromium and chromedriver are installed by .ci/run (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium_binary() or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    (tmp_path / "downloads").mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _axe(driver: Any, page: str) -> None:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}))));")
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"accessibility violations on the {page} page: {bad}"


def _wait(condition: Any, timeout: float = 20.0) -> Any:
    """``condition()``'s first truthy value; an element replaced or not there yet (a navigation or an
    htmx swap in progress) counts as not yet."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = condition()
        except (StaleElementReferenceException, NoSuchElementException):
            got = None
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the page")


def _sign_in(driver: Any, url: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    _wait(lambda: "/networks" in driver.current_url)


def _post_status(driver: Any, path: str, body: str) -> int:
    """Status of a same-origin form POST sent by the page's own script context (cookies included)."""
    return int(driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {method: 'POST', body: arguments[1], redirect: 'manual', credentials: 'same-origin',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded'}}).then(r => done(r.status));",
        path, body))


def test_review_decide_and_export_in_a_browser(workspace: Workspace, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    shots = tmp_path / "screenshots"
    shots.mkdir()
    proc, url = start_command(["ui", "--db", str(workspace.db), "--database-url", workspace.url], tmp_path, "/login")
    d = browser
    try:
        d.get(url + "/login")
        _axe(d, "login")
        d.save_screenshot(str(shots / "login.png"))
        _sign_in(d, url, "ann")
        _wait(lambda: "2 of 2 networks match" in d.find_element(By.ID, "counts").text)
        _axe(d, "networks")
        d.save_screenshot(str(shots / "networks.png"))

        # filter by a handle: htmx swaps the results in place and puts the filter in the address
        box = d.find_element(By.ID, "q")
        box.send_keys("patriot_1010", Keys.ENTER)
        _wait(lambda: "1 of 2 networks match" in d.find_element(By.ID, "counts").text)
        assert "q=patriot_1010" in d.current_url
        assert _wait(lambda: [a.text for a in d.find_elements(By.CSS_SELECTOR, "#networks tbody a")]) == ["#2"]

        d.get(f"{url}/d/{DATASET}/networks")
        d.find_element(By.LINK_TEXT, "#1").click()
        _wait(lambda: d.find_elements(By.CSS_SELECTOR, "#graph[data-drawn=true] canvas"))
        assert d.find_elements(By.CSS_SELECTOR, "svg.lockstep-view circle")
        _wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "figure.drawn svg")) == 3)  # fetched by htmx
        _axe(d, "network")
        d.save_screenshot(str(shots / "network.png"))

        d.find_element(By.CSS_SELECTOR, "input[name=verdict][value=confirmed]").click()
        d.find_element(By.ID, "reason").send_keys("Nine accounts shared the same links within seconds, daily.")
        d.find_element(By.CSS_SELECTOR, ".verdict-form button").click()
        _wait(lambda: "#verdicts" in d.current_url)
        d.refresh()
        current = _wait(lambda: d.find_element(By.CSS_SELECTOR, "p.verdict").text)
        assert "confirmed CIB" in current and "ann" in current
        assert "the same links within seconds" in d.find_element(By.ID, "history").text

        # a POST from the page without the CSRF token is refused, with it (same session) accepted
        assert _post_status(d, f"/d/{DATASET}/verdicts", "kind=network&subject=2&verdict=benign&reason=x") == 403
        token = d.find_element(By.CSS_SELECTOR, "input[name=csrf_token]").get_attribute("value")
        assert _post_status(d, f"/d/{DATASET}/verdicts",
                            f"kind=network&subject=2&verdict=benign&reason=fans&csrf_token={token}") in (0, 303)

        d.get(url + "/audit")
        audit_text = d.find_element(By.ID, "audit").text
        assert "ui.verdict.confirmed" in audit_text and "ui.login" in audit_text
        _axe(d, "audit")
        d.save_screenshot(str(shots / "audit.png"))

        d.get(f"{url}/d/{DATASET}/accounts/twitter/op1")
        _axe(d, "account")
        d.save_screenshot(str(shots / "account.png"))

        d.get(f"{url}/d/{DATASET}/networks")
        d.find_element(By.CSS_SELECTOR, "#export-form button").click()
        bundle_path = _wait(lambda: next((tmp_path / "downloads").glob("*.stix.json"), None))
        _wait(lambda: bundle_path.stat().st_size > 0)
        bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
        sets = [o["name"] for o in bundle["objects"] if o["type"] == "intrusion-set"]
        assert len(sets) == 1, sets  # network 1 confirmed; network 2 judged benign is not shared
        d.get(url + "/audit")
        assert "ui.export.stix" in d.find_element(By.ID, "audit").text

        d.find_element(By.CSS_SELECTOR, "header form button").click()  # sign out
        _wait(lambda: "/login" in d.current_url)
        _sign_in(d, url, "vic")
        d.get(f"{url}/d/{DATASET}/networks/1")
        assert not d.find_elements(By.CSS_SELECTOR, ".verdict-form")
        assert "confirmed CIB" in d.find_element(By.CSS_SELECTOR, "p.verdict").text
        token = d.find_element(By.CSS_SELECTOR, "input[name=csrf_token]").get_attribute("value")
        assert _post_status(d, f"/d/{DATASET}/verdicts",
                            f"kind=network&subject=1&verdict=benign&reason=mine&csrf_token={token}") == 403
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    for name in ("login", "networks", "network", "audit", "account"):
        assert (shots / f"{name}.png").stat().st_size > 10_000, name
