"""Durable network ids (networks.lineage): matching by member and evidence overlap, and the events."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from lockstep.cli.main import cli
from lockstep.networks.lineage import Known, Seen, plan
from lockstep.store import Store

T = datetime(2024, 3, 1)


def _seen(*groups: str, items: tuple[str, ...] = ()) -> dict[int, Seen]:
    return {i + 1: Seen(set(g.split()), set(items)) for i, g in enumerate(groups)}


def _known(**nets: str) -> dict[int, Known]:
    return {int(k[1:]): Known(int(k[1:]), "active", set(v.split()), set()) for k, v in nets.items()}


def _events(p: object) -> set[tuple[int, str, tuple[int, ...]]]:
    return {(e["network_id"], e["event"], tuple(e["related"])) for e in p.events}  # type: ignore[attr-defined]


def test_first_run_numbers_networks_and_calls_them_new() -> None:
    p = plan(_seen("a b c", "d e f"), {}, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 1, 2: 2}
    assert _events(p) == {(1, "new", ()), (2, "new", ())}


def test_same_members_keep_their_id_whatever_order_clustering_gives() -> None:
    known = _known(n7="a b c", n9="d e f")
    p = plan(_seen("d e f", "a b c"), known, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 9, 2: 7} and p.events == []


def test_growth_shrinkage_and_dormancy() -> None:
    known = _known(n1="a b c", n2="d e f g", n3="x y z")
    p = plan(_seen("a b c h i", "d e f"), known, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 1, 2: 2}
    assert _events(p) == {(1, "grew", ()), (2, "shrank", ()), (3, "dormant", ())}
    grew = next(e for e in p.events if e["event"] == "grew")
    assert grew["change"] == 2 and grew["accounts"] == ["h", "i"]
    assert {r["network_id"]: r["status"] for r in p.lineage} == {1: "active", 2: "active", 3: "dormant"}
    # A dormant network that comes back keeps its id.
    back = plan(_seen("x y z"), {3: Known(3, "dormant", {"x", "y", "z"}, set())}, at=T, data_time=T, run_id="r2")
    assert back.mapping == {1: 3} and _events(back) == {(3, "reactivated", ())}


def test_a_split_keeps_the_id_on_the_larger_part_and_numbers_the_other() -> None:
    known = _known(n4="a b c d e f")
    p = plan(_seen("a b c d", "e f"), known, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 4, 2: 5}
    assert (5, "split", (4,)) in _events(p) and (4, "split", (5,)) in _events(p)


def test_a_merge_keeps_the_id_with_most_shared_members() -> None:
    known = _known(n1="a b c", n2="d e f g")
    p = plan(_seen("a b c d e f g"), known, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 2}
    assert (1, "merged", (2,)) in _events(p) and (2, "merged", (1,)) in _events(p)
    assert {r["network_id"]: r["status"] for r in p.lineage} == {1: "merged", 2: "active"}


def test_swapped_accounts_match_on_evidence_items() -> None:
    known = {3: Known(3, "active", {"a", "b", "c"}, {"co_link:u1", "co_link:u2", "co_link:u3"})}
    p = plan(_seen("p q r", items=("co_link:u1", "co_link:u2")), known, at=T, data_time=T, run_id="r")
    assert p.mapping == {1: 3}
    # One shared account is not enough to inherit an id.
    p2 = plan(_seen("a p q r"), _known(n3="a b c"), at=T, data_time=T, run_id="r")
    assert p2.mapping == {1: 4}


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.slow
def test_detect_reruns_keep_ids_with_and_without_new_data(tmp_path: Path) -> None:
    out, db = tmp_path / "synth", str(tmp_path / "s.duckdb")
    _run(["synth", "--posts", "20000", "--seed", "3", "--out", str(out), "--format", "jsonl"])
    lines = sorted((out / "posts.jsonl").read_text().splitlines(), key=lambda r: json.loads(r)["time"])
    half = len(lines) // 2
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:half]) + "\n")
    (tmp_path / "b.jsonl").write_text("\n".join(lines[half:]) + "\n")

    def members() -> dict[int, set[str]]:
        got: dict[int, set[str]] = {}
        for m in json.loads(_run(["members", "--db", db, "--json"])):
            got.setdefault(m["network_id"], set()).add(m["account_id"])
        return got

    _run(["ingest", str(tmp_path / "a.jsonl"), str(out / "accounts.jsonl"), "--db", db])
    _run(["detect", "--db", db, "--no-signals"])
    first = members()
    assert first and sorted(first) == list(range(1, len(first) + 1))
    _run(["detect", "--db", db, "--no-signals"])
    assert members() == first  # same data: same ids, same members, no new events
    _run(["ingest", str(tmp_path / "b.jsonl"), "--db", db])
    _run(["detect", "--db", db, "--no-signals"])
    second = members()
    for nid, accs in first.items():  # every early network is still there under its id
        assert len(accs & second[nid]) >= len(accs) // 2, (nid, accs, second.get(nid))
    with Store(db, read_only=True) as store:
        events = store.rows("SELECT network_id, event FROM network_history ORDER BY seen_at, network_id")
    assert [e for e in events if e[1] == "new"][: len(first)] == [(n, "new") for n in sorted(first)]
    assert len(events) == len(set(events))  # the identical rerun recorded nothing
    changes = json.loads(_run(["networks", "--db", db, "--changes-since", "24h", "--json"]))["changes"]
    assert {(c["network_id"], c["event"]) for c in changes} == set(events)
    shown = json.loads(_run(["network", str(min(first)), "--db", db, "--json"]))
    assert shown["history"][0]["event"] == "new"
