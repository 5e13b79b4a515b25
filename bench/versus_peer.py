"""Lockstep against coordination-network-toolkit, end to end, on the same posts in one run.

    python bench/versus_peer.py                          # 300,000 posts
    python bench/versus_peer.py --posts 1000000 --stage-timeout 1800

What runs, each stage as its own process, timed from the outside (wall seconds, and CPU seconds
of the process and its children):

* the data: ``lockstep synth --format csv`` (posts.csv, accounts.csv), and the same posts written
  in the peer's CSV layout (message id, user id, username, repost id, reply id, text, epoch
  seconds, space-separated URLs); neither side is timed for this;
* the peer (coordination-network-toolkit, installed from PyPI at a pinned version into a
  virtualenv of its own under ``--work``): ``compute_networks DB preprocess`` and then
  ``compute_networks DB compute`` for co_retweet, co_tweet, co_link and co_similar_tweet, each
  with a 60-second window, as its README runs them;
* Lockstep as a user runs it: ``lockstep ingest posts.csv accounts.csv`` and ``lockstep detect``
  with its defaults (every default trace, networks, evidence, account signals and scores).

A stage that runs past ``--stage-timeout`` is stopped and shown as ``> T s``; the totals and the
ratio then become lower bounds (``>``), never estimates. Prints a table and one JSON document
(also written to ``bench/results/versus-peer-<date>.json``, git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEER = "coordination-network-toolkit"
PEER_VERSION = "1.5.2"
PEER_NETWORKS = ("co_retweet", "co_tweet", "co_link", "co_similar_tweet")


def timed(cmd: list[str], *, timeout: float | None, log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` with stdout and stderr to ``log``; wall and CPU seconds, and whether it finished."""
    before = os.times()
    t = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            rc: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the stage and any workers it started
            proc.wait()
            rc = None
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if rc not in (0, None):
        sys.exit(f"{' '.join(cmd)} failed (exit {rc}); its output:\n{log.read_text()[-3000:]}")
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "timed_out": rc is None}


def peer_venv(work: Path, version: str) -> Path:
    """The peer's own virtualenv (made once per work folder); returns its ``compute_networks``."""
    venv = work / f"peer-venv-{version}"
    exe = venv / "bin" / "compute_networks"
    if not exe.exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        log = work / "peer-install.log"
        with log.open("w") as out:
            done = subprocess.run([str(venv / "bin" / "pip"), "install", f"{PEER}=={version}"], stdout=out,
                                  stderr=subprocess.STDOUT)
        if done.returncode:
            sys.exit(f"Installing {PEER}=={version} failed; pip said:\n{log.read_text()[-3000:]}")
    return exe


def peer_csv(posts: Path, out: Path) -> int:
    """The posts in the peer's CSV layout, ordered by time; ids carry the platform (they are unique
    per platform only). Returns the row count."""
    import duckdb

    con = duckdb.connect()
    src = str(posts).replace("'", "''")
    con.execute(f"""
        COPY (
            SELECT platform || ':' || post_id AS message_id, platform || ':' || account_id AS user_id,
                   coalesce(handle, '') AS username,
                   CASE WHEN repost_of_post IS NULL THEN '' ELSE platform || ':' || repost_of_post END AS repost_id,
                   CASE WHEN reply_to_post IS NULL THEN '' ELSE platform || ':' || reply_to_post END AS reply_id,
                   coalesce(text, '') AS message, epoch(time) AS timestamp,
                   array_to_string(CAST(urls AS VARCHAR[]), ' ') AS urls
            FROM read_csv('{src}', header = true, all_varchar = false,
                          types = {{'post_id': 'VARCHAR', 'account_id': 'VARCHAR', 'repost_of_post': 'VARCHAR',
                                   'reply_to_post': 'VARCHAR', 'urls': 'JSON'}})
            ORDER BY time, message_id
        ) TO '{str(out).replace("'", "''")}' (FORMAT csv, HEADER)""")
    return int(con.execute(f"SELECT count(*) FROM read_csv('{src}', header = true)").fetchone()[0])  # type: ignore[index]


def run(posts: int, seed: int, work: Path, stage_timeout: float, version: str) -> dict[str, Any]:
    lockstep = [sys.executable, "-m", "lockstep"]
    data, db, peer_db = work / f"synth-{posts}", work / f"lockstep-{posts}.duckdb", work / f"peer-{posts}.sqlite"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"synth {posts:,} posts (seed {seed}) ...", file=sys.stderr, flush=True)
    shutil.rmtree(data, ignore_errors=True)
    timed([*lockstep, "synth", "--posts", str(posts), "--seed", str(seed), "--out", str(data), "--format", "csv",
           "--json"], timeout=None, log=logs / "synth.log")
    n = peer_csv(data / "posts.csv", data / "peer.csv")
    print(f"installing {PEER}=={version} into its own virtualenv ...", file=sys.stderr, flush=True)
    peer = peer_venv(work, version)
    stages: list[dict[str, Any]] = []

    def stage(side: str, name: str, cmd: list[str]) -> None:
        print(f"{side}: {name} ...", file=sys.stderr, flush=True)
        res = timed(cmd, timeout=stage_timeout, log=logs / f"{side}-{name}.log")
        stages.append({"side": side, "stage": name, **res})
        shown = f"> {stage_timeout:.0f}" if res["timed_out"] else f"{res['seconds']:.1f}"
        print(f"{side}: {name}: {shown} s", file=sys.stderr, flush=True)

    for stale in work.glob(f"{peer_db.name}*"):
        stale.unlink()
    stage("peer", "preprocess", [str(peer), str(peer_db), "preprocess", "--format", "csv", str(data / "peer.csv")])
    for net in PEER_NETWORKS:
        stage("peer", net, [str(peer), str(peer_db), "compute", net, "--time_window", "60"])
    db.unlink(missing_ok=True)
    stage("lockstep", "ingest", [*lockstep, "ingest", str(data / "posts.csv"), str(data / "accounts.csv"),
                                 "--db", str(db), "--json"])
    stage("lockstep", "detect", [*lockstep, "detect", "--db", str(db), "--json"])
    summary = json.loads((logs / "lockstep-detect.log").read_text())
    totals = {}
    for side in ("peer", "lockstep"):
        rows = [s for s in stages if s["side"] == side]
        totals[side] = {"seconds": round(sum(s["seconds"] for s in rows), 2),
                        "cpu_seconds": round(sum(s["cpu_seconds"] for s in rows), 2),
                        "lower_bound": any(s["timed_out"] for s in rows)}
    return {"date": dt.datetime.now(dt.UTC).isoformat(), "posts": n, "seed": seed, "peer": f"{PEER}=={version}",
            "stage_timeout_s": stage_timeout, "load_average": os.getloadavg(), "stages": stages, "totals": totals,
            "ratio": round(totals["peer"]["seconds"] / max(totals["lockstep"]["seconds"], 1e-9), 1),
            "lockstep_networks": summary.get("networks"), "lockstep_flagged": summary.get("flagged_accounts")}


def report(res: dict[str, Any]) -> str:
    """The figures as a plain table: every stage, the totals and the ratio."""
    lines = [f"{res['posts']:,} posts; {res['peer']}; stage timeout {res['stage_timeout_s']:.0f} s",
             f"{'side':<9} {'stage':<17} {'wall s':>9} {'CPU s':>9}"]
    for s in res["stages"]:
        wall = f"> {res['stage_timeout_s']:.0f}" if s["timed_out"] else f"{s['seconds']:.1f}"
        lines.append(f"{s['side']:<9} {s['stage']:<17} {wall:>9} {s['cpu_seconds']:>9.1f}")
    for side, t in res["totals"].items():
        mark = "> " if t["lower_bound"] else ""
        lines.append(f"{side:<9} {'total':<17} {mark + format(t['seconds'], '.1f'):>9} {t['cpu_seconds']:>9.1f}")
    mark = "> " if res["totals"]["peer"]["lower_bound"] else ""
    lines.append(f"Lockstep is {mark}{res['ratio']}x faster end to end (peer total / Lockstep total, wall).")
    lines.append(f"load average during the run: {', '.join(f'{x:.1f}' for x in res['load_average'])}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None,
                    help="Folder for the data, both stores, the peer's virtualenv and the logs (default: a temp "
                         "folder, removed afterwards; give one to keep the peer's virtualenv between runs).")
    ap.add_argument("--stage-timeout", type=float, default=1800.0,
                    help="Seconds after which a stage is stopped and reported as '> T s' (default 1800).")
    ap.add_argument("--peer-version", default=PEER_VERSION, help=f"{PEER} version to install (default {PEER_VERSION}).")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lockstep-versus-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        res = run(args.posts, args.seed, work, args.stage_timeout, args.peer_version)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(report(res))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    path = out / f"versus-peer-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
