"""Spark engine against DuckDB on one synthetic dataset: parity figures, time and memory per stage.

    python bench/spark.py                          # 100k posts, every default trace (the parity run)
    python bench/spark.py --posts 1000000          # the 1M scale run (tens of minutes on local[2])
    python bench/spark.py --posts 1000000 --skip-duckdb --work DIR   # reuse DIR's data

Steps: ``lockstep synth`` -> ``ingest`` -> ``export posts --partition-by dataset,day`` (the lake) ->
``detect`` on DuckDB (from the store) and ``detect --engine spark --posts LAKE`` (``--master``,
default ``local[2]``), each in its own process. Prints per trace the wall seconds of both engines
and their ratio, each run's peak memory (the whole process tree: Python and, for Spark, the JVM,
sampled every 0.2 s from /proc), the parity figures the contract test checks
(``lockstep.testing.parity``: Jaccard of significant edges per trace, adjusted Rand of the
networks, F1 of both), and the Spark run's throughput (posts per second per core), the base of
``docs/scale.md``. Linux only (reads /proc). Run it alone: timings on a busy machine mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 2**20


_TRACE_DONE = re.compile(r"trace (\S+): \d+ candidate pairs")


def run(cmd: list[str]) -> tuple[str, float, float, dict[str, float]]:
    """stdout, wall seconds, peak tree memory (MiB) of ``cmd``, and the peak per stage: each trace
    (from the end of the one before, read from ``-v`` logging) and ``after traces``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    stages: list[str] = []
    by_stage: dict[int, float] = {}
    err: list[str] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            now = _tree_rss_mb(proc.pid)
            peak[0] = max(peak[0], now)
            by_stage[len(stages)] = max(by_stage.get(len(stages), 0.0), now)
            done.wait(0.2)

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
            m = _TRACE_DONE.search(line)
            if m:
                stages.append(m.group(1))

    threading.Thread(target=sample, daemon=True).start()
    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait()
    reader.join()
    done.set()
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{''.join(err)[-3000:]}")
    names = [*stages, "after traces"]
    per_stage = {names[i]: round(v) for i, v in sorted(by_stage.items()) if i < len(names)}
    return out, time.perf_counter() - t0, peak[0], per_stage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--traces", default=None, help="Comma-separated traces (default: detect's defaults).")
    ap.add_argument("--conf", action="append", default=[], help="Extra --spark-conf KEY=VALUE.")
    ap.add_argument("--work", type=Path, default=None, help="Folder for data and stores (kept; reused if present).")
    ap.add_argument("--skip-duckdb", action="store_true", help="Reuse the DuckDB run found in --work.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from lockstep.store import Store
    from lockstep.testing.parity import parity

    work = args.work or Path(tempfile.mkdtemp(prefix="lockstep-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ls = [sys.executable, "-m", "lockstep"]
    synth, lake = work / "synth", work / "lake"
    duck, sprk = work / "duck.duckdb", work / "spark.duckdb"
    if not (synth / "truth.csv").exists():
        run([*ls, "synth", "--posts", str(args.posts), "--seed", str(args.seed), "--out", str(synth)])
    if not duck.exists():
        run([*ls, "ingest", str(synth / "posts.parquet"), str(synth / "accounts.parquet"), "--db", str(duck),
             "--dataset", "bench", "--json"])
    if not lake.exists():
        run([*ls, "export", "posts", "--db", str(duck), "--format", "parquet", "--partition-by", "dataset,day",
             "--out", str(lake / "posts")])
    shutil.copy(duck, sprk)
    base = [*ls, "-v", "detect", "--json", "--no-signals", *(["--traces", args.traces] if args.traces else [])]
    figures: dict[str, Any] = {"posts": args.posts, "seed": args.seed, "master": args.master}
    a_json = work / "duckdb.json"
    if not (args.skip_duckdb and a_json.exists()):
        out, wall, peak, stage_mb = run([*base, "--db", str(duck)])
        a_json.write_text(json.dumps({"summary": json.loads(out), "wall_s": wall, "peak_mb": peak,
                                      "stage_mb": stage_mb}))
    a = json.loads(a_json.read_text())
    conf = [x for kv in ["spark.ui.showConsoleProgress=false", *args.conf] for x in ("--spark-conf", kv)]
    out, wall, peak, stage_mb = run([*base, "--db", str(sprk), "--engine", "spark", "--spark-master", args.master,
                                     *conf, "--posts", str(lake / "posts"), "--dataset", "bench"])
    b = {"summary": json.loads(out), "wall_s": wall, "peak_mb": peak, "stage_mb": stage_mb}
    with Store(duck, read_only=True) as sa, Store(sprk, read_only=True) as sb:
        p = parity(sa, sb, "bench", synth / "truth.csv")
    per_trace = {}
    for ra, rb in zip(a["summary"]["traces"], b["summary"]["traces"], strict=True):
        per_trace[ra["trace"]] = {"duckdb_s": round(ra["seconds"], 2), "spark_s": round(rb["seconds"], 2),
                                  "ratio": round(rb["seconds"] / max(ra["seconds"], 1e-3), 1),
                                  "significant": (ra["significant"], rb["significant"]),
                                  "peak_mb": (a.get("stage_mb", {}).get(ra["trace"]), b["stage_mb"].get(rb["trace"])),
                                  "jaccard": round(p.jaccard.get(ra["trace"], 1.0), 4)}
    cores = int(args.master.removeprefix("local[").removesuffix("]")) if args.master[6:-1].isdigit() else None
    figures.update({
        "duckdb": {"wall_s": round(a["wall_s"], 1), "peak_mb": round(a["peak_mb"]),
                   "after_traces_peak_mb": a.get("stage_mb", {}).get("after traces"),
                   "steps": a["summary"]["step_seconds"]},
        "spark": {"wall_s": round(b["wall_s"], 1), "peak_mb": round(b["peak_mb"]), "steps": b["summary"]["step_seconds"],
                  "after_traces_peak_mb": b["stage_mb"].get("after traces"),
                  "posts_per_core_s": round(args.posts / b["summary"]["step_seconds"]["traces"] / cores)
                  if cores else None},
        "traces": per_trace, "adjusted_rand": round(p.adjusted_rand, 4), "networks": p.networks,
        "f1": [round(x, 4) for x in p.f1] if p.f1 else None,
    })
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.posts:,} posts, seed {args.seed}, Spark {args.master}; work folder {work}")
    print(f"{'trace':<13}{'duckdb s':>10}{'spark s':>10}{'ratio':>7}{'significant':>16}{'jaccard':>9}"
          f"{'peak MiB (duckdb/spark)':>25}")
    for t, r in per_trace.items():
        sig = f"{r['significant'][0]}/{r['significant'][1]}"
        mem = f"{r['peak_mb'][0]}/{r['peak_mb'][1]}"
        print(f"{t:<13}{r['duckdb_s']:>10}{r['spark_s']:>10}{r['ratio']:>7}{sig:>16}{r['jaccard']:>9}{mem:>25}")
    for eng in ("duckdb", "spark"):
        f = figures[eng]
        print(f"{eng}: {f['wall_s']} s wall (process start included), peak {f['peak_mb']} MiB (process tree), "
              f"steps {f['steps']}")
    print(f"networks {p.networks[0]}/{p.networks[1]}, adjusted Rand {figures['adjusted_rand']}, "
          f"F1 {figures['f1']}, Spark traces: {figures['spark']['posts_per_core_s']} posts per core-second")


if __name__ == "__main__":
    main()
