"""The workspace over HTTP (FastAPI's TestClient, the real app and a real SQLite server database)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from sqlalchemy import select

from lockstep.serve import audit
from lockstep.serve.schema import verdicts as verdicts_table
from lockstep.ui import verdicts
from tests.ui.conftest import DATASET, Workspace, csrf_of, sign_in

NET = f"/d/{DATASET}/networks"


def test_pages_need_a_sign_in_and_a_wrong_password_is_refused(workspace: Workspace) -> None:
    with workspace.app() as c:
        r = c.get(f"{NET}/1", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        assert sign_in(c, "ann", "wrong password here") == 401
        assert c.get(f"{NET}/1", follow_redirects=False).status_code == 303
        assert sign_in(c, "nobody", "wrong password here") == 401
        assert sign_in(c, "ann") == 303
        r = c.get(f"{NET}/1")
        assert r.status_code == 200 and "Network #1" in r.text
    outcomes = [(e["actor"], e["outcome"]) for e in audit.entries(workspace.engine, action_prefix="ui.login")]
    assert outcomes[:3] == [("ann", "ok"), ("nobody", "denied"), ("ann", "denied")]


def test_cookies_and_headers(workspace: Workspace) -> None:
    with workspace.app() as c:
        page = c.get("/login")
        r = c.post("/login", data={"username": "ann", "password": "correct horse battery staple",
                                   "csrf_token": csrf_of(page.text)}, follow_redirects=False)
        cookie = r.headers["set-cookie"].lower()
        assert "lockstep_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie.split("lockstep_session=")[1].split(",")[0]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
    with workspace.app(secure_cookies=True) as c:
        page = c.get("/login")
        r = c.post("/login", data={"username": "ann", "password": "correct horse battery staple",
                                   "csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()


def test_login_is_rate_limited(workspace: Workspace) -> None:
    with workspace.app() as c:
        for _ in range(5):
            assert sign_in(c, "ann", "not the password") == 401
        assert sign_in(c, "ann") == 429  # even the right password, until the window passes
    assert audit.entries(workspace.engine, limit=1, action_prefix="ui.login")[0]["outcome"] == "limited"


def test_a_login_without_its_csrf_token_is_refused(workspace: Workspace) -> None:
    with workspace.app() as c:
        r = c.post("/login", data={"username": "ann", "password": "correct horse battery staple"})
        assert r.status_code == 403


def test_verdict_needs_csrf_role_and_reason_and_keeps_history(workspace: Workspace) -> None:
    with workspace.app() as c:
        assert sign_in(c, "ann") == 303
        token = csrf_of(c.get(f"{NET}/1").text)
        form = {"kind": "network", "subject": "1", "verdict": "confirmed", "reason": "first look: links in lockstep"}
        assert c.post(f"/d/{DATASET}/verdicts", data=form).status_code == 403  # no token
        assert c.post(f"/d/{DATASET}/verdicts", data={**form, "csrf_token": "forged"}).status_code == 403
        assert c.post(f"/d/{DATASET}/verdicts", data={**form, "csrf_token": token, "reason": "  "}).status_code == 400
        r = c.post(f"/d/{DATASET}/verdicts", data={**form, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        c.post(f"/d/{DATASET}/verdicts", data={**form, "csrf_token": token, "verdict": "needs_review",
                                               "reason": "one account may be a real fan"})
        page = c.get(f"{NET}/1").text
        assert "Current verdict: <strong>needs review</strong>" in page
        assert page.index("one account may be a real fan") < page.index("first look: links in lockstep")
        assert "confirmed CIB" in c.get("/audit").text or "ui.verdict.confirmed" in c.get("/audit").text
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(verdicts_table.c.verdict, verdicts_table.c.author,
                                   verdicts_table.c.member_count)).all()
    assert [tuple(r) for r in rows] == [("confirmed", "ann", 9), ("needs_review", "ann", 9)]
    with workspace.app() as c:
        assert sign_in(c, "vic") == 303
        page = c.get(f"{NET}/1").text
        assert "can read verdicts but not record them" in page and "one account may be a real fan" in page
        r = c.post(f"/d/{DATASET}/verdicts", data={**form, "csrf_token": csrf_of(page)})
        assert r.status_code == 403
        assert c.get("/audit").status_code == 403


def test_filters_search_and_counts(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "ann")
        page = c.get(NET).text
        assert "<strong>2</strong> of 2 networks match" in page
        for query, expect in (("q=patriot_1010", [2]), ("q=news-truth.example.com", [1, 2]), ("q=zzz_none", []),
                              ("trace=co_link", [1]), ("min_size=5", [1]), ("platform=telegram", [2]),
                              ("min_score=0.5", [1]), ("active_from=2030-01-01", []), ("q=100%25", [])):
            text = c.get(f"{NET}?{query}").text
            found = sorted(int(n) for n in set(__import__("re").findall(r'networks/(\d+)">#', text)))
            assert found == expect, (query, found)
        token = csrf_of(page)
        c.post(f"/d/{DATASET}/verdicts", data={"kind": "network", "subject": "2", "verdict": "benign",
                                               "reason": "a fan club", "csrf_token": token})
        assert "networks/2\">#2" in c.get(f"{NET}?verdict=benign").text
        assert "networks/2\">#2" not in c.get(f"{NET}?verdict=none").text
        assert "must be a number" in c.get(f"{NET}?min_size=lots").text


def test_export_shares_only_networks_confirmed_with_unchanged_members(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "ann")
        token = csrf_of(c.get(NET).text)
        assert c.post(f"/d/{DATASET}/export/stix", data={"csrf_token": token}).status_code == 409
        for nid, v in (("1", "confirmed"), ("2", "benign")):
            c.post(f"/d/{DATASET}/verdicts", data={"kind": "network", "subject": nid, "verdict": v,
                                                   "reason": "looked at it", "csrf_token": token})
        r = c.post(f"/d/{DATASET}/export/stix", data={"csrf_token": token, "tlp": "green"})
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        bundle = json.loads(r.content)
        sets = [o for o in bundle["objects"] if o["type"] == "intrusion-set"]
        assert len(sets) == 1 and "1" in sets[0]["name"]
        assert c.post(f"/d/{DATASET}/export/stix", data={"tlp": "green"}).status_code == 403
    last = audit.entries(workspace.engine, limit=5, action_prefix="ui.export")
    assert last[0]["outcome"] == "ok" and "networks [1]" in last[0]["detail"]
    # detect ran again and network 1 is now other accounts: the old verdict no longer applies
    from lockstep.store import Store
    with Store(workspace.db) as s:
        s.con.execute("UPDATE members SET network_id = 1 WHERE account_id = 'op9'")
        keep, stale = verdicts.networks_with(workspace.engine, s, DATASET, "confirmed")
    assert (keep, stale) == ([], [1])


def test_pseudonymizing_organisation_sees_no_private_handle(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "pia")
        pages = [c.get(NET).text, c.get(f"{NET}/1").text, c.get(f"{NET}/2").text]
        for text in pages:
            assert "Pseudonymized" in text
            assert "patriot_1001" not in text and "op3" not in text
        assert "patriot_1011" in pages[2]  # verified: notable, shown as itself
        assert "acct-" in pages[1]
        sign_in(c, "ann")
    with workspace.app() as c:
        sign_in(c, "ann")
        assert "patriot_1001" in c.get(f"{NET}/1").text


def test_account_page(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "ann")
        r = c.get(f"/d/{DATASET}/accounts/twitter/op1")
        assert r.status_code == 200 and "patriot_1001" in r.text and "#1" in r.text
        assert "page 1 of 1" in r.text
        assert c.get(f"/d/{DATASET}/accounts/twitter/nobody").status_code == 404
        assert c.get(f"{NET}/99").status_code == 404


def test_the_workspace_keeps_working_while_a_writer_holds_the_store(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "ann")
        before = c.get(f"{NET}/1")
        token = csrf_of(before.text)
        holder = subprocess.Popen(
            [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
             "c.execute('CREATE TABLE busy AS SELECT 1 AS x'); print('held', flush=True); time.sleep(60)",
             str(workspace.db)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            seen = c.get(f"{NET}/1")
            assert seen.status_code == 200 and "being written by another Lockstep command" in seen.text
            assert "Network #1" in seen.text
            unseen = c.get(f"{NET}/2")
            assert unseen.status_code == 503 and "being written" in unseen.text
            r = c.post(f"/d/{DATASET}/verdicts", data={"kind": "network", "subject": "1", "verdict": "confirmed",
                                                       "reason": "decided while detect ran", "csrf_token": token},
                       follow_redirects=False)
            assert r.status_code == 303
            seen = c.get(f"{NET}/1").text  # still from the cache, with the new verdict on it
            assert "being written" in seen and "decided while detect ran" in seen
        finally:
            holder.kill()
            holder.wait()
            if holder.stdout is not None:
                holder.stdout.close()
        time.sleep(0.1)
        after = c.get(f"{NET}/1")
        assert after.status_code == 200 and "decided while detect ran" in after.text
        assert "being written" not in after.text and c.get(f"{NET}/2").status_code == 200


def test_cli_export_and_evaluate_use_the_verdicts(workspace: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from lockstep.cli.main import cli

    base = ["--db", str(workspace.db), "--database-url", workspace.url]
    out = tmp_path / "b.json"
    r = CliRunner().invoke(cli, ["export", "stix", "--verdict", "confirmed", "--out", str(out), *base])
    assert r.exit_code != 0 and "nothing to export" in str(r.exception)
    with workspace.app() as c:
        sign_in(c, "ann")
        token = csrf_of(c.get(NET).text)
        for kind, subject, v in (("network", "1", "confirmed"), ("network", "2", "benign"),
                                 ("account", "twitter:op0", "benign")):
            c.post(f"/d/{DATASET}/verdicts", data={"kind": kind, "subject": subject, "verdict": v,
                                                   "reason": "reviewed", "csrf_token": token})
    r = CliRunner().invoke(cli, ["export", "stix", "--verdict", "confirmed", "--out", str(out), *base])
    assert r.exit_code == 0, r.output
    names = [o["name"] for o in json.loads(out.read_text())["objects"] if o["type"] == "intrusion-set"]
    assert len(names) == 1
    r = CliRunner().invoke(cli, ["evaluate", "--verdicts", "--json", *base])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["networks"] == {"confirmed": 1, "benign": 1, "needs_review": 0, "stale": 0, "precision": 0.5}
    # members of 1 (9, less op0 judged benign on its own) confirmed and flagged; op0 and network 2's
    # three benign and flagged
    acc = res["accounts"]
    assert (acc["true_positives"], acc["false_positives"], acc["false_negatives"]) == (8, 4, 0)
    r = CliRunner().invoke(cli, ["evaluate", *base])
    assert r.exit_code != 0 and "either --truth FILE or --verdicts" in r.output


def test_chart_and_pivot_fragments(workspace: Workspace) -> None:
    from lockstep.store import Store
    from tests.report.conftest import plant_narratives

    with Store(workspace.db) as s:
        plant_narratives(s)
        s.con.execute("INSERT INTO network_history (dataset, network_id, event, seen_at, size, change, sentence) "
                      "VALUES (?, 1, 'grew', TIMESTAMP '2024-03-14 08:00', 9, 2, 'Network 1 grew by 2 accounts.')",
                      [DATASET])
    with workspace.app() as c:
        sign_in(c, "ann")
        page = c.get(f"{NET}/1").text
        assert "Network 1 grew by 2 accounts." in page  # the lineage of durable ids
        for name in ("heatmap", "timeline", "creation"):
            assert f"{NET}/1/charts/{name}" in page
            r = c.get(f"{NET}/1/charts/{name}")
            assert r.status_code == 200 and r.text.startswith('<figure class="chart drawn"') and "<svg" in r.text
        assert "UTC+3:00" in c.get(f"{NET}/1/charts/heatmap").text
        assert c.get(f"{NET}/1/charts/nope").status_code == 404
        assert "vote · truth · hide" in page  # the network's topic, from lockstep narratives
        r = c.get(f"{NET}/1/pivots")
        assert r.status_code == 200 and 'id="topic-pivots"' in r.text


def test_search_copy_follows_the_store(workspace: Workspace) -> None:
    import re

    from lockstep.store import Store

    def found(c) -> list[int]:  # type: ignore[no-untyped-def]
        return sorted({int(n) for n in re.findall(r'networks/(\d+)">#', c.get(f"{NET}?q=patriot_1010").text)})

    with workspace.app() as c:
        sign_in(c, "ann")
        assert found(c) == [2]
        with Store(workspace.db) as s:  # detect ran again: op10 is now in network 1
            s.con.execute("UPDATE members SET network_id = 1 WHERE account_id = 'op10'")
        assert found(c) == [1]  # the copy was rebuilt: the store file changed


def test_an_unchanged_store_is_not_opened_again_for_a_page_seen_before(workspace: Workspace) -> None:
    """The second view of a page comes from the cache while the store file is unchanged: a reader of
    the workspace then takes no lock that a starting `detect` could run into."""
    import duckdb

    with workspace.app() as c:
        sign_in(c, "ann")
        assert c.get(f"{NET}/1").status_code == 200
        opened = []
        real = duckdb.connect

        def counting(*a, **kw):  # type: ignore[no-untyped-def]
            opened.append(a)
            return real(*a, **kw)

        duckdb.connect = counting
        try:
            again = c.get(f"{NET}/1")
        finally:
            duckdb.connect = real
        assert again.status_code == 200 and "Network #1" in again.text and not opened


def test_unknown_dataset_and_home_redirect(workspace: Workspace) -> None:
    with workspace.app() as c:
        sign_in(c, "ann")
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/d/{DATASET}/networks"
        assert c.get("/d/nope/networks").status_code == 404


def test_startup_moves_long_lived_objects_out_of_the_collectors_sight(workspace: Workspace) -> None:
    import gc

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with workspace.app() as c:  # the lifespan runs on entering
        assert gc.get_freeze_count() > 10_000
        assert c.get("/login").status_code == 200
