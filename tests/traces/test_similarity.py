"""Time-free similarity traces: the contract, planted examples, the null model's calibration on
degree-preserving shuffles of a realistic dataset, and clear errors."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.errors import ConfigError, DetectorError
from lockstep.model import Post
from lockstep.networks.detect import DetectOptions, make_detectors, run_detection
from lockstep.store import Store
from lockstep.testing.checks import check_detector, run_on, significant_pairs
from lockstep.testing.shuffle import curveball
from lockstep.testing.synth import planted_network
from lockstep.traces.base import META_TESTED, Example, planted_time
from lockstep.traces.co_hashtag import CoHashtag
from lockstep.traces.sim_traces import SimDomain, SimHashtag, SimLink, SimMention, SimReply, SimRepost
from lockstep.traces.similarity import similar_accounts
from tests.traces._util import significant

SIM = [SimHashtag, SimDomain, SimLink, SimRepost, SimMention, SimReply]


@pytest.mark.parametrize("cls", SIM, ids=[c.name for c in SIM])
def test_contract(cls: type) -> None:
    check_detector(cls)


def test_days_apart_is_found_where_the_windowed_trace_sees_nothing() -> None:
    ex = SimHashtag.example()
    assert significant(SimHashtag(), ex.posts) == ex.expected
    # the same posts, one shared tag a day hours apart: no window of co_hashtag holds them
    assert significant(CoHashtag(), ex.posts) == set()


def test_evidence_names_the_shared_items_with_posts_of_both_accounts() -> None:
    edges = run_on(SimHashtag(), SimHashtag.example().table())
    row = edges.filter(pa.compute.equal(edges.column("account_a"), "p1")).to_pylist()[0]
    assert row["count"] == 6
    assert sorted(set(row["evidence_items"])) == [f"#own{i}" for i in range(6)]
    assert {"x/s0p1", "x/s0p2"} <= set(row["evidence_ids"]) or {"x/s0p1", "x/s0p3"} <= set(row["evidence_ids"])
    assert row["expected"] < 1 and row["p_value"] < 1e-9


def test_popular_item_alone_links_no_one() -> None:
    # sixty accounts all use the same three big tags, and nothing else
    posts = [Post("x", f"{a}-{t}", f"a{a}", planted_time(60 * a + t), hashtags=[tag])
             for a in range(60) for t, tag in enumerate(["news", "sports", "weather"])]
    assert significant(SimHashtag(), posts) == set()


def test_a_pair_with_too_few_shared_items_is_not_an_edge() -> None:
    edges = run_on(SimHashtag(min_items=7), SimHashtag.example().table())  # the trio shares six
    assert edges.num_rows == 0
    assert int(edges.schema.metadata[META_TESTED]) == 55 * 54 // 2


def test_period_slices_judge_each_slice_alone() -> None:
    # The planted trio shares one tag a day over six days: in 1-day slices no pair shares three.
    ex = SimHashtag.example()
    assert significant(SimHashtag(period="1d"), ex.posts) == set()
    assert significant(SimHashtag(period="30d"), ex.posts) == ex.expected


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"top_k": 0}, r"top_k must be an int in \[1, 10000\]. Got 0"),
    ({"min_items": "3"}, r"min_items must be an int.*Got '3'"),
    ({"period": "soon"}, r"period of SimHashtag must be 'all' or a number of days.*Got 'soon'"),
    ({"period": "9000d"}, r"Got '9000d'"),
])
def test_bad_parameters_are_refused_with_the_value(kwargs: dict, message: str) -> None:
    with pytest.raises(DetectorError, match=message):
        significant(SimHashtag(**kwargs), SimHashtag.example().posts)


def test_items_query_without_the_needed_columns_is_refused() -> None:
    engine = DuckDBEngine()
    engine.write("t", pa.table({"account_id": ["a"], "item": ["x"]}))
    with pytest.raises(DetectorError, match=r"lacks column\(s\) platform, post_id, time"):
        similar_accounts(engine, "t", trace="custom")


def test_core_takes_any_items_query_with_labels() -> None:
    """A plug-in (e.g. house-style tokens) hands the core its own rows."""
    rows = [{"platform": "x", "account_id": a, "post_id": f"{a}{i}", "time": datetime(2024, 1, 1 + i),
             "item": f"tok{i}", "label": f"style {i}"} for a in ("u", "v", "w") for i in range(5)]
    rows += [{"platform": "x", "account_id": f"bg{j}", "post_id": f"bg{j}", "time": datetime(2024, 1, 2),
              "item": f"other{j}", "label": "o"} for j in range(30)]
    engine = DuckDBEngine()
    engine.write("toks", pa.Table.from_pylist(rows))
    edges = similar_accounts(engine, "SELECT * FROM toks", trace="style", min_items=3)
    assert significant_pairs(edges, 0.01) == {(("x", "u"), ("x", "v")), (("x", "u"), ("x", "w")),
                                               (("x", "v"), ("x", "w"))}
    assert set(edges.column("evidence_items").to_pylist()[0]) == {f"style {i}" for i in range(5)}


def test_curveball_keeps_every_degree_and_mixes_partners() -> None:
    rows = [("x", f"a{a}", f"i{(a * 7 + j) % 40}") for a in range(30) for j in range(1 + a % 5)]
    table = pa.table({"platform": [r[0] for r in rows], "account_id": [r[1] for r in rows],
                      "item": [r[2] for r in rows]})
    out = curveball(table, seed=2)

    def degrees(t: pa.Table, col: str) -> dict:
        return dict(zip(*pa.compute.value_counts(t.column(col)).flatten(), strict=True))

    assert degrees(out, "account_id") == degrees(table, "account_id")
    assert degrees(out, "item") == degrees(table, "item")
    assert set(zip(out.column("account_id").to_pylist(), out.column("item").to_pylist(), strict=True)) != \
        {(r[1], r[2]) for r in rows}


@pytest.fixture(scope="module")
def crowd() -> DuckDBEngine:
    engine = DuckDBEngine()
    engine.write("posts", planted_network(seed=3, posts=30_000).posts)
    return engine


@pytest.mark.parametrize("cls", [SimHashtag, SimDomain, SimLink, SimRepost], ids=lambda c: c.name)
def test_calibrated_on_a_degree_preserving_shuffle(crowd: DuckDBEngine, cls: type) -> None:
    """On a curveball shuffle of a synthetic crowd's own account-item table (every account keeps
    its number of items, every item its number of accounts), no pair may come out significant;
    on the real table the planted operations do (so the check is not vacuous)."""
    det = cls()
    query = det.items_sql(crowd, "posts")
    table = crowd.sql(f"SELECT DISTINCT platform, account_id, item FROM ({query}) q")
    shuffled = curveball(table, seed=1)
    assert shuffled.num_rows == table.num_rows
    n = shuffled.num_rows
    crowd.write("shuffled", shuffled.append_column("post_id", pa.array([str(i) for i in range(n)]))
                .append_column("time", pa.array([datetime(2024, 1, 1)] * n, pa.timestamp("us"))))
    null = similar_accounts(crowd, "shuffled", trace="null", min_items=det.min_items,
                            platform_blocks=cls.items_per_platform)
    assert null.num_rows > 20  # there were candidates to judge
    assert significant_pairs(null, 0.01) == set()
    if cls in (SimDomain, SimLink):
        assert len(significant_pairs(det.detect(crowd, "posts"), 0.01)) >= 20


def test_detect_explains_a_time_free_network_in_checkable_words(store: Store) -> None:
    ex = SimHashtag.example()
    posts = ex.posts + [Post("x", f"o{i}", f"other{i}", planted_time(90 * i), hashtags=["own0", "own1"])
                        for i in range(2)]  # two outsiders use two of the trio's tags
    store.append("posts", Example(posts).table("ex"))
    summary = run_detection(store, "ex", DetectOptions(traces=["sim_hashtag"], signals=False))
    assert summary["networks"] == 1
    why = store.scalar("SELECT why FROM networks WHERE dataset = 'ex'")
    assert why.startswith("3 accounts use the same hashtags (6 hashtags shown: #own0, #own1, #own2, #own3, "
                          "#own4, ...), which 3.7% of the other accounts use (2 or more of them: 2 of 54)")
    assert "over 13 days, 18 times in all; chance expectation" in why
    items = {r[0] for r in store.rows("SELECT DISTINCT item FROM evidence WHERE trace = 'sim_hashtag'")}
    assert items == {f"#own{i}" for i in range(6)}


def test_a_global_window_leaves_time_free_traces_alone_and_a_named_one_is_refused() -> None:
    made = make_detectors(DetectOptions(traces=["co_hashtag", "sim_hashtag"], windows={"*": "5m"}))
    assert made[0].window == "5m" and made[1].period == "all"
    with pytest.raises(ConfigError, match=r"--window sim_hashtag=5m: sim_hashtag is time-free"):
        make_detectors(DetectOptions(traces=["sim_hashtag"], windows={"sim_hashtag": "5m"}))


def test_detect_summary_shows_no_window_for_time_free_traces() -> None:
    from lockstep.cli.detect import _window_cell

    assert _window_cell("sim_hashtag", 35 * 86400.0) == "none (35 d)"
    assert _window_cell("co_link", 1800.0) == "30 min"
    assert _window_cell("combined", 3600.0) == "1 h"


def test_an_item_every_account_uses_does_not_break_the_product() -> None:
    """Three accounts, all using the same four tags: idf is 0 for each, and no pair is evidence."""
    posts = [Post("x", f"{a}{i}", a, planted_time(60 * i), hashtags=[f"t{i}"]) for a in "abc" for i in range(5)]
    edges = run_on(SimHashtag(), Example(posts).table())
    assert significant_pairs(edges, 0.01) == set()
