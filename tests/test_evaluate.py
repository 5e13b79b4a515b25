"""`lockstep evaluate` on hand-built cases whose metrics are worked out by hand below."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.errors import SourceError, StoreError
from lockstep.evaluate import evaluate
from lockstep.store import Store

TRUTH = """platform,account_id,network_id,operation_style,negative_group
twitter,a1,1,copypasta,
twitter,a2,1,copypasta,
twitter,a3,1,copypasta,
twitter,b1,2,link_farm,
twitter,b2,2,link_farm,
twitter,o1,0,organic,news_event
twitter,o2,0,organic,news_event
twitter,o3,0,organic,
twitter,o4,0,organic,
twitter,o5,0,organic,fan_community
"""


def _setup(store: Store, members: list[tuple[int, str, float]]) -> None:
    accounts = [line.split(",")[1] for line in TRUTH.splitlines()[1:]]
    store.append("posts", pa.table({"dataset": ["d"], "platform": ["twitter"], "post_id": ["p1"],
                                    "account_id": ["a1"], "time": pa.array([0], pa.timestamp("us"))}))
    store.append("accounts", pa.table({"dataset": ["d"] * len(accounts), "platform": ["twitter"] * len(accounts),
                                       "account_id": accounts}))
    store.append("members", pa.table({"dataset": ["d"] * len(members), "network_id": [m[0] for m in members],
                                      "platform": ["twitter"] * len(members), "account_id": [m[1] for m in members],
                                      "score": [m[2] for m in members]}))


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    p = tmp_path / "truth.csv"
    p.write_text(TRUTH)
    return p


def test_hand_built_case(store: Store, truth: Path) -> None:
    # detected: net 10 = {a1, a2, o1}, net 20 = {b1, b2}; a3 missed, o1 a false positive
    _setup(store, [(10, "a1", 0.9), (10, "a2", 0.8), (10, "o1", 0.5), (20, "b1", 0.7), (20, "b2", 0.6)])
    r = evaluate(store, truth)
    assert (r["true_positives"], r["false_positives"], r["false_negatives"]) == (4, 1, 1)
    assert r["precision"] == pytest.approx(0.8) and r["recall"] == pytest.approx(0.8)
    assert r["f1"] == pytest.approx(0.8)
    assert r["organic_flagged_share"] == pytest.approx(1 / 5)
    assert r["negative_groups"]["news_event"]["share_flagged"] == pytest.approx(0.5)
    assert r["negative_groups"]["fan_community"]["share_flagged"] == 0.0
    # ARI over {a1,a2,a3,b1,b2,o1}: truth {a1,a2,a3},{b1,b2},{o1}; predicted {a1,a2,o1},{a3},{b1,b2}.
    # sum C(truth sizes)=3+1=4, sum C(pred sizes)=3+1=4, sum C(cells)= C(2,2)+C(2,2)=2, C(6,2)=15
    # ARI = (2 - 4*4/15) / ((4+4)/2 - 4*4/15) = (14/15)/(44/15) = 14/44
    assert r["network"]["adjusted_rand_index"] == pytest.approx(14 / 44)
    # purity: net10 majority 2 of 3, net20 2 of 2 -> 4/5; inverse purity: net1 2 of 3 found together,
    # net2 2 of 2 -> 4/5
    assert r["network"]["purity"] == pytest.approx(0.8)
    assert r["network"]["inverse_purity"] == pytest.approx(0.8)
    # ranking a1 .9, a2 .8, b1 .7, b2 .6, o1 .5: precision@5 (= number of positives) = 4/5; @10 = 4/10
    assert r["precision_at_k"]["5"] == pytest.approx(0.8)
    assert r["precision_at_k"]["10"] == pytest.approx(0.4)
    # scores: positives .9,.8,.7,.6,0 (a3); negatives .5,0,0,0,0 -> ROC-AUC by pair counting:
    # a1,a2,b1,b2 beat all 5 negatives (20 pairs); a3 (0) ties 4 zero negatives (2) and loses to o1 -> 22/25
    assert r["roc_auc"] == pytest.approx(22 / 25)
    assert r["recall_per_style"] == {"copypasta": pytest.approx(2 / 3), "link_farm": 1.0}


def test_perfect_detection_and_absent_accounts(store: Store, truth: Path, tmp_path: Path) -> None:
    _setup(store, [(1, "a1", 1.0), (1, "a2", 1.0), (1, "a3", 1.0), (2, "b1", 1.0), (2, "b2", 1.0)])
    r = evaluate(store, truth)
    assert r["f1"] == 1.0 and r["network"]["adjusted_rand_index"] == 1.0 and r["network"]["purity"] == 1.0
    # an operation account the store never saw counts as missed
    extra = tmp_path / "t2.csv"
    extra.write_text(TRUTH + "twitter,zz,2,link_farm,\n")
    r = evaluate(store, extra)
    assert r["truth_accounts_absent_from_store"] == 1
    assert r["recall"] == pytest.approx(5 / 6)


def test_label_truth_for_real_data(store: Store, tmp_path: Path) -> None:
    _setup(store, [(1, "a1", 0.9), (1, "o1", 0.4)])
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\na1,1\na2,1\no1,0\n")
    r = evaluate(store, labels)
    # universe: 3 labelled + 7 other store accounts (label 0); flagged a1 (tp), o1 (fp); a2 missed
    assert r["truth_kind"] == "labels" and "network" not in r
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)
    assert r["accounts"] == 10 and r["accounts_not_in_truth"] == 7


def test_bad_truth_and_missing_detection(store: Store, tmp_path: Path, truth: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,label\na1,yes\n")
    _setup(store, [(1, "a1", 1.0)])
    with pytest.raises(SourceError, match="line 2"):
        evaluate(store, bad)
    bad.write_text("who,what\n1,2\n")
    with pytest.raises(SourceError, match="expected either"):
        evaluate(store, bad)
    store.con.execute("DELETE FROM members")
    with pytest.raises(StoreError, match="lockstep detect"):
        evaluate(store, truth)


def test_cli_json_and_table(store: Store, truth: Path) -> None:
    _setup(store, [(10, "a1", 0.9), (10, "a2", 0.8), (10, "o1", 0.5), (20, "b1", 0.7), (20, "b2", 0.6)])
    db = str(store.path)
    store.close()
    res = CliRunner().invoke(cli, ["evaluate", "--truth", str(truth), "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["f1"] == pytest.approx(0.8)
    res = CliRunner().invoke(cli, ["evaluate", "--truth", str(truth), "--db", db])
    assert res.exit_code == 0 and "adjusted Rand index" in res.output


def _graded(store: Store, scores: dict[str, float], dataset: str = "d") -> None:
    # the table `detect` writes (lead's schema); created here only if the store does not have it yet
    store.con.execute("CREATE TABLE IF NOT EXISTS account_scores (dataset VARCHAR, platform VARCHAR, "
                      "account_id VARCHAR, score DOUBLE)")
    for a, s in scores.items():
        store.con.execute("INSERT INTO account_scores (dataset, platform, account_id, score) VALUES (?, ?, ?, ?)",
                          [dataset, "twitter", a, s])


def test_graded_account_scores_rank_every_account(store: Store, truth: Path) -> None:
    _setup(store, [(10, "a1", 0.9), (10, "a2", 0.8), (10, "o1", 0.5), (20, "b1", 0.7), (20, "b2", 0.6)])
    assert evaluate(store, truth)["score_source"] == "members"
    _graded(store, {"x": 9.0}, dataset="other")  # another dataset's scores: still the members' score
    r = evaluate(store, truth)
    assert r["score_source"] == "members" and r["precision_at_k"]["5"] == pytest.approx(0.8)
    # a3 was missed by the networks but ranks third by its graded score; o2 has a little evidence
    _graded(store, {"a1": 5.0, "a2": 4.0, "a3": 3.5, "b1": 3.0, "b2": 2.0, "o1": 1.0, "o2": 0.5})
    r = evaluate(store, truth)
    assert r["score_source"] == "account_scores"
    assert r["precision_at_k"]["5"] == 1.0 and r["precision_at_k"]["10"] == pytest.approx(0.5)
    assert r["pr_auc"] == 1.0 and r["roc_auc"] == 1.0  # every positive above every negative
    assert r["recall"] == pytest.approx(0.8)  # flagged is still network membership


TRUTH_EMBEDDED = TRUTH.replace("operation_style,negative_group", "operation_style,negative_group,embedded_posts") \
    .replace(",news_event\n", ",news_event,\n").replace(",fan_community\n", ",fan_community,\n") + """\
twitter,r1,9,ira_NewsFeed,,12
twitter,r2,9,ira_NewsFeed,,15
twitter,r3,9,ira_NewsFeed,,3
twitter,r4,10,ira_RightTroll,,40
"""


def test_embedded_recall_per_category_of_active_accounts(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text(TRUTH_EMBEDDED)
    _setup(store, [(10, "a1", 0.9), (10, "o1", 0.5), (30, "r1", 0.7), (30, "r3", 0.6), (31, "r4", 0.6)])
    r = evaluate(store, path)
    e = r["embedded"]
    # active (>= 10 posts): r1 flagged, r2 missed (NewsFeed 1/2), r4 flagged (RightTroll 1/1); r3 has 3 posts
    assert e["per_category"] == {
        "ira_NewsFeed": {"accounts": 3, "active": 2, "flagged": 1, "recall": 0.5},
        "ira_RightTroll": {"accounts": 1, "active": 1, "flagged": 1, "recall": 1.0}}
    assert e["recall_active"] == pytest.approx(2 / 3) and e["recall_all_embedded"] == pytest.approx(3 / 4)
    assert e["precision"] == r["precision"] == pytest.approx(4 / 5)
    assert e["organic_flagged_share"] == pytest.approx(1 / 5)
    assert evaluate(store, path, min_posts=2)["embedded"]["recall_active"] == pytest.approx(3 / 4)
    plain = tmp_path / "plain.csv"
    plain.write_text(TRUTH)
    assert "embedded" not in evaluate(store, plain)
    db = str(store.path)
    store.close()
    res = CliRunner().invoke(cli, ["evaluate", "--truth", str(path), "--db", db, "--min-posts", "10"])
    assert res.exit_code == 0 and "NewsFeed" in res.output and "all active" in res.output


def test_embedded_posts_must_be_counts(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text(TRUTH_EMBEDDED.replace(",,12", ",,twelve"))
    _setup(store, [(10, "a1", 0.9)])
    with pytest.raises(SourceError, match=r"line 12: column 'embedded_posts'.*'twelve'"):
        evaluate(store, path)
