"""Networks of openly disclosed automation (an outlet's feeds) are set aside, covert ones stay flagged."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.model import ACCOUNT_SCHEMA, POST_SCHEMA, Account, Post
from lockstep.networks.disclosed import (
    automation_word,
    brand,
    member_disclosure,
    network_reason,
)
from lockstep.store import Store
from lockstep.traces.base import background, planted_time

FEED = {"handle": "citytribune_feed2", "display_name": "City Tribune",
        "bio": "Automated headlines from citytribune", "category": None}


def _feed(i: int, domains: list[str], **profile: str | None) -> object:
    return member_disclosure("x", f"f{i}", {**FEED, "handle": f"citytribune_feed{i}", **profile}, domains)


# --- the decision, member by member -----------------------------------------------------------

def test_a_feed_that_declares_automation_and_names_its_site_discloses() -> None:
    m = member_disclosure("x", "f1", FEED, ["citytribune.com"] * 5 + ["bbc.co.uk"])
    assert m.automation == "feed" and m.domain == "citytribune.com" and m.brand == "citytribune"
    assert m.names_brand and m.discloses


def test_automation_word_but_another_brand_does_not_disclose() -> None:
    m = member_disclosure("x", "f1", FEED, ["lemonde-international.press"] * 5)
    assert m.automation is not None and not m.names_brand and not m.discloses


def test_brand_named_without_an_automation_word_does_not_disclose() -> None:
    profile = {"handle": "citytribune_fan", "display_name": "Ann", "bio": "I love citytribune", "category": None}
    m = member_disclosure("x", "f1", profile, ["citytribune.com"] * 5)
    assert m.names_brand and m.automation is None and not m.discloses


def test_an_openly_automated_member_without_links_discloses_but_a_network_needs_links() -> None:
    # A weather bot joined to an outlet's feeds by their shared schedule: automated, no site to name.
    bot = member_disclosure("x", "wx1", {"handle": "london_wx10", "bio": "Automated weather updates for London"}, [])
    assert bot.domain is None and bot.discloses
    silent = member_disclosure("x", "p1", {"handle": "anna", "bio": "news lover"}, [])
    assert not silent.discloses  # no automation word: nothing disclosed
    disclosing = member_disclosure("x", "f2", FEED, ["citytribune.com"])
    assert network_reason([disclosing, disclosing, disclosing], []) is None
    assert network_reason([bot, bot, bot], ["citytribune.com"]) is None  # no member names the links' site
    feeds = [_feed(i, ["citytribune.com"] * 4) for i in range(8)]
    assert network_reason([*feeds, bot], ["citytribune.com"] * 32) is not None


def test_automation_words_are_whole_words_and_not_negated() -> None:
    assert automation_word("CityTribuneBot", None, None) == "bot"
    assert automation_word(None, None, "Headlines, auto-posted") == "auto posted"
    assert automation_word("dailyherald_rss", None, None) == "rss"
    assert automation_word("robotics_fan", "Feedback welcome", "Not a bot, just me") is None
    assert automation_word("anna", None, "Human. I'm no bot") is None
    assert automation_word("anna", None, None, category="Bot") == "category Bot"
    # a researcher's persona label is not the account's own disclosure
    assert automation_word("chicagodailynew", None, None, category="NewsFeed") is None


def test_brand_is_the_registered_domains_label() -> None:
    assert brand("citytribune.com") == "citytribune"
    assert brand("bbc.co.uk") == "bbc"
    assert brand("t.co") is None and brand("192.168.0.1") is None and brand(None) is None


def test_a_network_is_set_aside_only_when_almost_all_disclose_and_links_point_to_their_sites() -> None:
    feeds = [_feed(i, ["citytribune.com"] * 4) for i in range(10)]
    links = ["citytribune.com"] * 40
    reason = network_reason(feeds, links)
    assert reason and reason.startswith("10 of 10 accounts declare automation and name citytribune")
    assert "40 of 40 links" in reason and "citytribune_feed0 ('feed', names citytribune)" in reason
    # one member of ten that does not disclose is tolerated; two are not
    covert = member_disclosure("x", "c1", {"handle": "anna", "bio": "news lover"}, ["citytribune.com"])
    assert network_reason([*feeds[:9], covert], links) is not None
    assert network_reason([*feeds[:8], covert, covert], links) is None
    # most links elsewhere: the feeds' names do not explain what the network pushes
    assert network_reason(feeds, ["citytribune.com"] * 7 + ["pushed.example"] * 3) is None


# --- end to end -------------------------------------------------------------------------------

OUTLET = "https://www.citytribune.com/news/"


def _posts() -> list[Post]:
    posts: list[Post] = []
    feeds = [("x", "feed1"), ("tg", "feed2"), ("x", "feed3")]
    for i in range(6):  # each article posted by all the outlet's feeds at the same second
        for plat, acc in feeds:
            url = f"{OUTLET}story-{i}"
            posts.append(Post(plat, f"a{i}{acc}", acc, planted_time(300 * i), urls=[url],
                              domains=["citytribune.com"], text=f"Story {i}"))
    farm = [("x", "c1"), ("x", "c2"), ("tg", "c3"), ("x", "c4")]
    for i in range(6):  # a covert link farm: staggered pushes of one site
        for j, (plat, acc) in enumerate(farm):
            url = f"https://pushed.example/p{i}"
            posts.append(Post(plat, f"l{i}{acc}", acc, planted_time(200 * i + 40 + 3 * j), urls=[url],
                              domains=["pushed.example"]))
    posts += background(lambda a, p, t, n: Post("x", p, a, t, urls=[f"https://site{n}.example/x"],
                                                domains=[f"site{n}.example"]))
    return posts


def _accounts() -> list[Account]:
    feeds = [Account(p, a, handle=f"citytribune_{a}", display_name="City Tribune",
                     bio="Automated headlines from citytribune") for p, a in
             (("x", "feed1"), ("tg", "feed2"), ("x", "feed3"))]
    # the farm's personas give no sign of automation; one even names the site it pushes
    farm = [Account(p, a, handle=f"maria_{a}", display_name="Maria", bio="Mum, reader of pushed news")
            for p, a in (("x", "c1"), ("x", "c2"), ("tg", "c3"), ("x", "c4"))]
    return feeds + farm


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.append("posts", pa.Table.from_pylist([{**asdict(p), "dataset": "demo"} for p in _posts()],
                                                   schema=POST_SCHEMA))
        store.append("accounts", pa.Table.from_pylist([{**asdict(a), "dataset": "demo"} for a in _accounts()],
                                                      schema=ACCOUNT_SCHEMA))
    return db


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return _store(tmp_path)


def _detect(db: Path, *extra: str) -> dict[str, object]:
    return json.loads(_run(["detect", "--db", str(db), "--traces", "co_link", "--no-signals", "--json", *extra]))


def test_outlet_feeds_are_set_aside_and_the_covert_farm_stays_flagged(db: Path) -> None:
    summary = _detect(db)
    assert summary["networks"] == 1 and summary["set_aside_networks"] == 1 and summary["set_aside_accounts"] == 3
    nets = json.loads(_run(["networks", "--db", str(db), "--json"]))
    assert nets["set_aside_networks"] == 1
    assert [sorted(n["members"]) for n in nets["networks"]] == [["c1", "c2", "c3", "c4"]]
    flagged = _run(["members", "--db", str(db), "--csv"]).strip().splitlines()[1:]
    assert sorted(r.split(",")[1] for r in flagged) == ["c1", "c2", "c3", "c4"]
    table = _run(["networks", "--db", str(db)])
    assert "1 network of disclosed automation set aside (3 accounts): lockstep networks --set-aside" in table
    aside = json.loads(_run(["networks", "--db", str(db), "--set-aside", "--json"]))["set_aside"]
    assert len(aside) == 1 and sorted(aside[0]["members"]) == ["feed1", "feed2", "feed3"]
    assert aside[0]["size"] == 3 and aside[0]["traces"] == ["co_link"]
    assert aside[0]["reason"].startswith("3 of 3 accounts declare automation and name citytribune")
    csv_rows = _run(["networks", "--db", str(db), "--set-aside", "--csv"]).strip().splitlines()
    assert csv_rows[0] == "group_id,size,traces,reason,members" and len(csv_rows) == 2
    with Store(db) as store:
        assert store.scalar("SELECT count(*) FROM evidence WHERE account_id LIKE 'feed%'") == 0
        assert store.scalar("SELECT count(DISTINCT account_id) FROM set_aside WHERE dataset = 'demo'") == 3


def test_keep_disclosed_flags_the_feeds_and_a_rerun_replaces_the_set_aside_rows(db: Path) -> None:
    _detect(db)
    summary = _detect(db, "--keep-disclosed")
    assert summary["networks"] == 2 and summary["set_aside_networks"] == 0
    members = {n["network_id"]: sorted(n["members"])
               for n in json.loads(_run(["networks", "--db", str(db), "--json"]))["networks"]}
    assert sorted(members.values()) == [["c1", "c2", "c3", "c4"], ["feed1", "feed2", "feed3"]]
    assert "set aside" not in _run(["networks", "--db", str(db)])
    assert json.loads(_run(["networks", "--db", str(db), "--set-aside", "--json"]))["set_aside"] == []


def test_a_member_tied_by_one_edge_does_not_keep_disclosed_feeds_flagged() -> None:
    """Five disclosed feeds (all tied to each other) and a busy organic account that met one of
    them once: 5 of 6 is under the 90% rule, but the share is judged on the core."""
    import pandas as pd

    from lockstep.networks.disclosed import core_nodes

    feeds = list(range(5))
    edges = pd.DataFrame([(a, b) for a in feeds for b in feeds if a < b] + [(0, 9)], columns=["a", "b"])
    core = core_nodes([*feeds, 9], edges)
    assert core == feeds
    judged = {n: _feed(n, ["citytribune.com"] * 4) for n in feeds}
    judged[9] = member_disclosure("x", "busy", {"handle": "anna", "bio": "news lover"}, ["citytribune.com"])
    links = ["citytribune.com"] * 20
    assert network_reason([judged[n] for n in [*feeds, 9]], links) is None
    assert network_reason([judged[n] for n in core], links) is not None
    # A covert account tied to two of the feeds is core: the network stays flagged.
    edges2 = pd.concat([edges, pd.DataFrame([(1, 9)], columns=["a", "b"])])
    assert 9 in core_nodes([*feeds, 9], edges2)
    # Fewer than two core members: everyone is judged.
    assert core_nodes([1, 2, 3], pd.DataFrame([(1, 2), (2, 3)], columns=["a", "b"])) == [1, 2, 3]
