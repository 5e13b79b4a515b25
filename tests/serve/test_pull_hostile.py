"""``lockstep share pull`` against a hostile TAXII server (a real HTTP server on loopback): what it
cannot read is quarantined object by object and the rest imported; a server that never stops
saying ``more`` cannot keep the pull going or grow it without bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lockstep.cli.main import cli
from lockstep.errors import ConfigError
from lockstep.store import Store
from tests.serve.conftest import indicator
from tests.serve.fake_taxii import envelope, fake_taxii

TOKEN = "lsk_0123456789abcdef.not-a-real-secret"


def _pull(url: str, db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["share", "pull", url, "--token", TOKEN, "--db", str(db), *args],
                              catch_exceptions=True)


def _said(res: Result) -> str:
    """stderr with line wrapping undone."""
    return " ".join(res.stderr.split())


def _indicators(db: Path) -> dict[str, str]:
    with Store(db, read_only=True) as s:
        return {r[0]: r[1] for r in s.rows("SELECT indicator_id, tlp FROM indicators")}


def _quarantine(db: Path) -> list[tuple[str, str]]:
    with Store(db, read_only=True) as s:
        return [(r[0], r[1]) for r in s.rows("SELECT reason, raw FROM intel_quarantine ORDER BY line")]


def test_unreadable_objects_are_quarantined_one_by_one_and_the_rest_imported(tmp_path: Path) -> None:
    good = indicator(1, level="green")
    purple = {"type": "marking-definition", "spec_version": "2.1",
              "id": "marking-definition--3a1e6d1c-92c4-4a5e-9f0b-4d7f6f0c2b11",
              "created": "2024-01-01T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "purple"}}
    marked_purple = dict(indicator(2), object_marking_refs=[purple["id"]])
    bad_labels = dict(indicator(3), labels=5)
    no_id = {k: v for k, v in indicator(4).items() if k != "id"}
    nan_pattern = dict(indicator(5), pattern="@NAN@")
    nan_elsewhere = dict(indicator(6), x_score="@NAN@")
    page = json.dumps({"more": False, "objects": [good, purple, marked_purple, bad_labels, no_id, 42,
                                                  nan_pattern, nan_elsewhere]})
    page = page.replace('"@NAN@"', "NaN").encode()
    db = tmp_path / "ours.duckdb"
    with fake_taxii(lambda n, token: page) as srv:
        res = _pull(srv.url, db, "--json")
    assert res.exit_code == 0, (res.output, res.exception)
    out = json.loads(res.stdout)
    assert out["objects"] == 8 and out["stopped"] is None
    # the good indicator and the one marked with the unreadable marking (as RED) are imported
    assert _indicators(db) == {good["id"]: "green", marked_purple["id"]: "red"}
    assert out["import"]["quarantined"] == 6
    reasons = out["import"]["reasons"]
    assert reasons["holds NaN or Infinity, which JSON does not allow"] == 2
    assert reasons["not a JSON object but int"] == 1
    assert sum(n for why, n in reasons.items() if why.startswith("'id' is not")) == 1
    assert reasons["marking-definition not readable as TLP"] == 1
    assert reasons["labels is int, not a list"] == 1
    raws = [raw for _, raw in _quarantine(db)]
    assert any(purple["id"] in raw for raw in raws) and any(nan_pattern["id"] in raw for raw in raws)
    # the human summary says how many and why
    with fake_taxii(lambda n, token: page) as srv:
        res = _pull(srv.url, tmp_path / "second.duckdb")
    assert res.exit_code == 0, res.output
    assert "6 quarantined" in _said(res) and "quarantined 2: holds NaN or Infinity" in _said(res)


def test_a_server_that_always_says_more_is_stopped_by_max_pages(tmp_path: Path) -> None:
    def endless(n: int, token: str | None) -> bytes:
        return envelope([indicator(1000 * n + i) for i in range(10)], more=True, next_token=f"page-{n}")

    db = tmp_path / "ours.duckdb"
    with fake_taxii(endless) as srv:
        res = _pull(srv.url, db, "--max-pages", "5")
        assert len(srv.requests) == 5
        assert [q.get("next") for q in srv.requests] == [None, ["page-1"], ["page-2"], ["page-3"], ["page-4"]]
    assert res.exit_code == 1
    assert "stopped after 5 pages (--max-pages)" in _said(res) and "what was read is imported" in _said(res)
    assert len(_indicators(db)) == 50  # nothing read is lost
    with fake_taxii(endless) as srv:
        res = _pull(srv.url, tmp_path / "objects.duckdb", "--max-objects", "25", "--json")
        assert len(srv.requests) == 3
    assert res.exit_code == 1 and json.loads(res.stdout)["import"]["stored"] == 25
    assert "stopped after 25 objects (--max-objects)" in _said(res)


@pytest.mark.timeout(120)
def test_a_server_repeating_its_next_token_ends_the_pull_with_defaults(tmp_path: Path) -> None:
    def stuck(n: int, token: str | None) -> bytes:
        if n > 50:  # bounds the test on a client that does not notice
            return b'{"title": "enough", "http_status": "500"}'
        return envelope([indicator(n)], more=True, next_token="same")

    with fake_taxii(stuck) as srv:
        res = _pull(srv.url, tmp_path / "ours.duckdb")
        assert len(srv.requests) == 2
    assert res.exit_code == 1 and "the same 'next' token" in _said(res)


def test_an_oversized_page_is_refused(tmp_path: Path) -> None:
    big = envelope([indicator(i) for i in range(40)])
    assert len(big) > 4096
    with fake_taxii(lambda n, token: big) as srv:
        res = _pull(srv.url, tmp_path / "ours.duckdb", "--max-page-bytes", "4096")
    assert res.exit_code == 1 and "bytes is over --max-page-bytes (4096 bytes)" in _said(res)


def test_a_secret_is_not_sent_over_plain_http_to_another_host(tmp_path: Path) -> None:
    page = envelope([indicator(1)])
    with fake_taxii(lambda n, token: page) as srv:
        remote_url = srv.url.replace("127.0.0.1", "0.0.0.0")  # not a loopback address, still reaches us
        for cmd in (["pull", remote_url], ["push", remote_url, "--bundle", __file__]):
            res = CliRunner().invoke(cli, ["share", *cmd, "--token", TOKEN, "--db", str(tmp_path / "x.duckdb")])
            assert isinstance(res.exception, ConfigError), res.output
            assert "plain http://" in str(res.exception) and "--insecure" in str(res.exception)
        assert srv.auth_headers == []  # refused before any request
        res = _pull(remote_url, tmp_path / "ours.duckdb", "--insecure")
        assert res.exit_code == 0, res.output
        assert srv.auth_headers and all(h == f"Bearer {TOKEN}" for h in srv.auth_headers)


@pytest.mark.parametrize(("url", "clear"), [
    ("http://taxii.example.org/api/collections/x/", True), ("http://10.0.0.8:8000/api/", True),
    ("http://0.0.0.0:8000/", True), ("https://taxii.example.org/api/", False),
    ("http://127.0.0.1:8000/api/", False), ("http://127.8.0.1/", False), ("http://[::1]:8000/api/", False),
    ("http://localhost:8000/api/", False), ("HTTP://LOCALHOST./", False)])
def test_plain_http_is_told_apart_from_loopback(url: str, clear: bool) -> None:
    from lockstep.serve.client import sends_secret_in_clear
    assert sends_secret_in_clear(url) is clear


def test_marking_refs_to_known_levels_still_work(tmp_path: Path) -> None:
    page = envelope([indicator(1, level="amber"), indicator(2, level="red"), indicator(3)])
    db = tmp_path / "ours.duckdb"
    with fake_taxii(lambda n, token: page) as srv:
        assert _pull(srv.url, db).exit_code == 0
    assert sorted(_indicators(db).values(), key=str) == sorted(["amber", "red", None], key=str)
