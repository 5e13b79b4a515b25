"""Benchmark of the account signals on the synthetic benchmark (`lockstep synth`). Prints figures.

For each seed: generate, ingest, `lockstep detect --no-signals` + `lockstep evaluate`, then
`lockstep detect` (with signals) + `lockstep evaluate`, and measure:

* operator-offset recovery: share of planted networks on a working clock (manifest
  ``utc_offset``) whose pooled activity gives an offset within ±1 h of the planted one — on the
  planted membership (the signal alone) and on the detected networks (matched to the planted
  network most of their members belong to). A null offset (evidence too weak) counts as a miss;
* creation bursts: share of sleeper-network accounts (manifest ``created_burst``) that
  ``creation_burst`` flags, and share of organic accounts over its threshold;
* detection F1 and precision@100 without and with signals; seconds per signal.

    python bench/signals.py --posts 200000 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from lockstep import registry
from lockstep.signals.base import finish
from lockstep.signals.network import network_clock
from lockstep.store import Store


def run(*args: str) -> dict:
    proc = subprocess.run(["lockstep", *args, "--json"], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"lockstep {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def one_seed(work: Path, posts: int, seed: int) -> dict:
    out, db = work / f"s{seed}", work / f"s{seed}.duckdb"
    run("synth", "--posts", str(posts), "--seed", str(seed), "--out", str(out))
    run("ingest", str(out / "posts.parquet"), str(out / "accounts.parquet"), "--db", str(db), "--dataset", "b")
    run("detect", "--db", str(db), "--no-signals")
    plain = run("evaluate", "--db", str(db), "--truth", str(out / "truth.csv"))
    t0 = time.perf_counter()
    run("detect", "--db", str(db))
    with_signals_s = time.perf_counter() - t0
    signed = run("evaluate", "--db", str(db), "--truth", str(out / "truth.csv"))
    manifest = json.loads((out / "manifest.json").read_text())
    truth = pd.read_csv(out / "truth.csv", dtype={"account_id": str})
    res: dict = {"seed": seed, "f1": (plain["f1"], signed["f1"]),
                 "p_at_100": (plain["precision_at_k"].get("100"), signed["precision_at_k"].get("100")),
                 "detect_with_signals_s": round(with_signals_s, 1)}
    with Store(db) as store:
        posts_df = store.con.execute("SELECT platform, account_id, time FROM posts WHERE dataset = 'b'").df()
        posts_df = posts_df.merge(truth[["platform", "account_id", "network_id"]], on=["platform", "account_id"])
        planted, detected = [], []
        nets = store.con.execute("SELECT network_id, utc_offset_hours FROM networks WHERE dataset = 'b'").df()
        mem = store.con.execute("SELECT network_id, platform, account_id FROM members WHERE dataset = 'b'").df()
        mem = mem.merge(truth[["platform", "account_id", "network_id"]].rename(columns={"network_id": "truth"}),
                        on=["platform", "account_id"])
        for n in manifest["networks"]:
            if n.get("utc_offset") is None:
                continue
            _, off, _ = network_clock(posts_df.loc[posts_df["network_id"] == n["network_id"], "time"])
            planted.append(off is not None and abs(off - n["utc_offset"]) <= 1.0)
            # detected networks whose majority truth network is this one
            for nid, g in mem.groupby("network_id"):
                top = g["truth"].value_counts()
                if top.index[0] == n["network_id"] and top.iloc[0] > len(g) / 2:
                    got = nets.loc[nets["network_id"] == nid, "utc_offset_hours"].iloc[0]
                    detected.append(bool(pd.notna(got) and abs(got - n["utc_offset"]) <= 1.0))
        res["offset_planted"] = (sum(planted), len(planted))
        res["offset_detected"] = (sum(detected), len(detected))
        flags = store.con.execute(
            "SELECT platform, account_id, flagged FROM account_signals WHERE dataset = 'b' AND signal = 'creation_burst'").df()
        flags = flags.merge(truth, on=["platform", "account_id"])
        sleeper_nets = {n["network_id"] for n in manifest["networks"] if n.get("created_burst")}
        sl = flags[flags["network_id"].isin(sleeper_nets)]
        org = flags[flags["network_id"] == 0]
        res["burst_sleepers_flagged"] = (int(sl["flagged"].sum()), len(sl))
        res["burst_organic_flagged"] = (int(org["flagged"].sum()), len(org))
        timings = {}
        for name, cls in registry.plugins("lockstep.signals").items():
            t0 = time.perf_counter()
            finish(cls(), "b", cls().compute(store, "b"))
            timings[name] = round(time.perf_counter() - t0, 2)
        res["signal_seconds"] = timings
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--work", type=Path, default=None, help="folder for data and stores (default: a temp dir)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = a.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        for seed in a.seeds:
            r = one_seed(work, a.posts, seed)
            results.append(r)
            print(json.dumps(r), flush=True)
    tot = lambda k: (sum(r[k][0] for r in results), sum(r[k][1] for r in results))  # noqa: E731
    pl, de = tot("offset_planted"), tot("offset_detected")
    sl, org = tot("burst_sleepers_flagged"), tot("burst_organic_flagged")
    print(f"operator offset within ±1 h, planted membership: {pl[0]}/{pl[1]} = {pl[0] / max(pl[1], 1):.1%} "
          "(goal ≥ 90%)")
    print(f"operator offset within ±1 h, detected networks:  {de[0]}/{de[1]} = {de[0] / max(de[1], 1):.1%}")
    print(f"creation_burst: sleeper-network accounts flagged {sl[0]}/{sl[1]} = {sl[0] / max(sl[1], 1):.1%}; "
          f"organic accounts flagged {org[0]}/{org[1]} = {org[0] / max(org[1], 1):.2%} (goal ≤ 1%)")
    for r in results:
        print(f"seed {r['seed']}: F1 {r['f1'][0]:.4f} -> {r['f1'][1]:.4f} with signals; "
              f"precision@100 {r['p_at_100'][0]} -> {r['p_at_100'][1]}")
    sys.exit(0)


if __name__ == "__main__":
    main()
