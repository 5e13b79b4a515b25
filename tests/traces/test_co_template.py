"""co_template: shared house styles, judged against the crowd's own templates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.errors import DetectorError
from lockstep.model import Post
from lockstep.testing.checks import check_detector, run_on
from lockstep.traces.base import Example, planted_time
from lockstep.traces.co_template import CoTemplate, activity_blocks, parse_label

from ._util import accounts_in, significant

_WORDS = ["storm", "council", "police", "schools", "mayor", "bridge", "court", "market", "team", "fire",
          "budget", "river", "museum", "airport", "park", "library", "road", "clinic", "festival", "rain"]


def _sentence(rng: np.random.Generator, n: int, capital: bool = False) -> str:
    words = [str(w) for w in rng.choice(_WORDS, size=n)]
    if capital:
        words[0] = words[0].title()
    return " ".join(words)


def _crowd(rng: np.random.Generator, accounts: int, posts: int, prefix: str = "o") -> list[Post]:
    """Ordinary accounts writing in the crowd's common styles: plain sentences, a link at the end,
    a hashtag at the end, a reply - each account in its own mix."""
    forms = ["{s}", "{s} https://t.co/{i}", "{s} #{w}", "@friend{i} {s}", "{S}.", "{s}?"]
    out = []
    for a in range(accounts):
        mix = rng.dirichlet(np.ones(len(forms)))
        for i in range(posts):
            form = forms[int(rng.choice(len(forms), p=mix))]
            text = form.format(s=_sentence(rng, int(rng.integers(3, 9))), S=_sentence(rng, 5, True), i=f"{a}x{i}",
                               w=_WORDS[a % 20])
            out.append(Post("x", f"{prefix}{a}p{i}", f"{prefix}{a}", planted_time(37 * i + a), text=text))
    return out


def _house(rng: np.random.Generator, names: list[str], posts: int) -> list[Post]:
    """'Local news' personas: different headlines, one house of templates."""
    house = ["{H}: {s}  #local", "{H} {s} https://t.co/{i} \\| https://t.co/{i}x",
             "{H}, {s} https://t.co/{i}  #crime", "{H}... https://t.co/{i} \\| https://t.co/{i}y"]
    out = []
    for j, a in enumerate(names):
        for i in range(posts):
            text = house[i % len(house)].format(H=_sentence(rng, 4, True), s=_sentence(rng, 5), i=f"{j}n{i}")
            out.append(Post("x", f"{a}p{i}", a, planted_time(53 * i + 7 * j), text=text))
    return out


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def test_contract() -> None:
    check_detector(CoTemplate)


def test_house_style_found_among_a_crowd() -> None:
    rng = np.random.default_rng(1)
    news = [f"news{i}" for i in range(5)]
    posts = _crowd(rng, 150, 12) + _house(rng, news, 12)
    found = significant(CoTemplate(), posts)
    assert accounts_in(found) == set(news)
    assert len(found) == 10  # every pair of the five


def test_template_shared_by_many_organic_accounts_is_not_evidence() -> None:
    """Sixty ordinary accounts all posting in the same three templates (a retweet-free "W U", a
    trailing hashtag, a trailing emoji) are not linked: a template the crowd uses is no evidence."""
    rng = np.random.default_rng(2)
    posts = _crowd(rng, 60, 10)
    common = ["{S} https://t.co/{i}", "{s} #{w}", "{s} 😂"]
    for a in range(60):
        for i in range(9):
            text = common[i % 3].format(S=_sentence(rng, 5, True), s=_sentence(rng, 4), i=f"c{a}x{i}", w="news")
            posts.append(Post("x", f"c{a}q{i}", f"o{a}", planted_time(11 * i + a), text=text))
    assert significant(CoTemplate(), posts) == set()


def test_same_house_used_by_the_whole_crowd_is_not_evidence() -> None:
    """The planted house templates, when a third of the crowd (with as many posts) also uses them,
    stop being evidence."""
    rng = np.random.default_rng(3)
    news = [f"news{i}" for i in range(5)]
    posts = (_crowd(rng, 100, 12, prefix="p") + _house(rng, news, 12) + _crowd(rng, 50, 4)
             + _house(rng, [f"o{a}" for a in range(50)], 8))
    assert not accounts_in(significant(CoTemplate(), posts)) & set(news)


def test_reposts_carry_their_source_style_and_are_left_out() -> None:
    """Accounts that only retweet the same outlet carry its template in their texts; that is not
    their style."""
    rng = np.random.default_rng(4)
    posts = _crowd(rng, 100, 10)
    outlet = _house(rng, ["outlet"], 20)
    for j in range(5):
        for i, src in enumerate(outlet):
            posts.append(Post("x", f"rt{j}p{i}", f"rt{j}", planted_time(60 * i + j), text=f"RT @outlet: {src.text}",
                              repost_of_account="outlet"))
    posts += outlet
    assert not accounts_in(significant(CoTemplate(), posts)) & {f"rt{j}" for j in range(5)}


def test_evidence_names_the_templates_and_the_sentence_says_it() -> None:
    rng = np.random.default_rng(5)
    news = [f"news{i}" for i in range(4)]
    posts = _crowd(rng, 120, 12) + _house(rng, news, 12)
    edges = run_on(CoTemplate(), Example(posts).table())
    row = edges.filter(edges.column("account_a").to_numpy(zero_copy_only=False) == "news0").to_pylist()[0]
    labels = {parse_label(x) for x in row["evidence_items"]}
    assert ("tail", "|  #", 4, 124) in labels
    assert all(i.startswith("x/news") for i in row["evidence_ids"])
    ev = pd.DataFrame({"item": row["evidence_items"], "account_id": [i.split("/")[1].split("p")[0]
                                                                      for i in row["evidence_ids"]]})
    sentence = CoTemplate.describe(accounts=4, evidence=ev, count=12, expected=0.01, q_bound="1e-06")
    assert sentence.startswith("4 accounts post in one house style: ending `"), sentence
    assert "used by 2 of them and by 1.7% of the other accounts" in sentence or "0% of the other" in sentence


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(DetectorError, match="kinds"):
        run_on(CoTemplate(kinds=("skeleton", "emoji")), Example(_house(np.random.default_rng(0), ["a"], 3)).table())
    with pytest.raises(DetectorError, match="min_uses"):
        run_on(CoTemplate(min_uses=0), Example(_house(np.random.default_rng(0), ["a"], 3)).table())


def test_activity_blocks_are_coarse() -> None:
    assert activity_blocks(np.array([5, 15, 16, 63, 64, 255, 256, 5000])).tolist() == [1, 1, 2, 2, 3, 3, 4, 6]


def test_detect_names_the_template_and_shows_example_posts(tmp_path: Path) -> None:
    """Point 5 of the issue: the trace is in detect's summary, the why sentence names the shared
    template and how rare it is, and `lockstep network ID` shows the posts in it."""
    rng = np.random.default_rng(6)
    news = [f"news{i}" for i in range(5)]
    table = Example(_crowd(rng, 150, 12) + _house(rng, news, 12)).table().drop_columns(["dataset"])
    pq.write_table(table, tmp_path / "posts.parquet")
    db = str(tmp_path / "t.duckdb")
    _run(["ingest", str(tmp_path / "posts.parquet"), "--db", db, "--dataset", "t", "--json"])
    summary = json.loads(_run(["detect", "--db", db, "--traces", "co_template", "--no-signals", "--json"]))
    report = {r["trace"]: r for r in summary["traces"]}["co_template"]
    assert report["significant"] == 10 and report["tested_pairs"] == 155 * 154 // 2
    nets = json.loads(_run(["networks", "--db", db, "--json"]))["networks"]
    assert len(nets) == 1 and sorted(str(m).split("/")[-1] for m in nets[0]["members"]) == news
    why = nets[0]["why"]
    assert why.startswith("5 accounts post in one house style: ending `"), why
    assert "used by 5 of them and by 0% of the other accounts" in why, why
    shown = json.loads(_run(["network", str(nets[0]["network_id"]), "--db", db, "--json", "--limit", "0"]))
    items = {e["item"] for e in shown["evidence"]}
    assert "tail `|  #` (5 of 155 accounts)" in items, items
    in_template = [e["text"] for e in shown["evidence"] if e["item"].startswith("tail `|  #`")]
    assert in_template and all(t.endswith("  #local") for t in in_template)
    assert "post" in _run(["network", str(nets[0]["network_id"]), "--db", db])  # the table's text column


def _style_twins(rng: np.random.Generator, accounts: int) -> list[Post]:
    """Organic accounts with personal habits drawn from small shared pools - a favourite opening,
    ending and attachment each - so that many pairs are "style twins" by chance."""
    ends = ["", "!!", "!!!", " !!", "...", " ...", "?", "??", " lol", " 😂", " 🔥🔥", ".", " :)", " :(", "…"]
    tails = ["", " #{t}", "  #{t}", " #{t} #{t}", " {u}", " {u} #{t}", "  {u}", " via @{m}", " | {u}", " - {u}"]
    heads = ["", "@{m} ", "RE: ", ">> ", "{T}: ", "BREAKING: ", ". @{m} ", "#{t} "]
    out = []
    for a in range(accounts):
        pe, pt, ph = (rng.dirichlet(np.ones(len(x)) * 0.3) for x in (ends, tails, heads))
        cap = rng.random() < 0.4
        for i in range(int(min(400, rng.pareto(1.2) * 8 + 5))):
            s = _sentence(rng, int(rng.integers(2, 9)), cap)
            if rng.random() < 0.3:
                s += ", " + _sentence(rng, int(rng.integers(1, 5)))
            text = (heads[rng.choice(len(heads), p=ph)] + s + ends[rng.choice(len(ends), p=pe)]
                    + tails[rng.choice(len(tails), p=pt)]).format(t=_WORDS[i % 20], u=f"https://t.co/{a}x{i}",
                                                                 m=f"user{i % 100}", T="News")
            out.append(Post("x", f"o{a}p{i}", f"o{a}", planted_time(17 * i + a), text=text))
    return out


def test_style_twins_are_not_linked_by_default() -> None:
    """Shared personal habits make whole families of skeletons shared (every skeleton with both
    the favourite opening and attachment): the skeleton kind counts each, and links such twins;
    the default kinds (endings, clients) do not."""
    posts = _style_twins(np.random.default_rng(2), 800)
    assert significant(CoTemplate(), posts) == set()
    assert significant(CoTemplate(kinds=("skeleton", "frame", "tail", "client")), posts) != set()
