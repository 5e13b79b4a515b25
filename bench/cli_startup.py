"""How fast the command line answers: `lockstep --help` and `lockstep stats` (target <= 0.3 s).

    python bench/cli_startup.py --db bench.duckdb     # a store of your own (e.g. the 1M benchmark's)
    python bench/cli_startup.py                       # a 10,000-post store made for the run

Each command runs ``--repeats`` times as a fresh process; prints the best and the median wall
seconds, and the load average (other work on the machine slows every figure).
``tests/test_cli_startup.py`` checks the cause (which libraries load), this script the time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=None, help="Store to run `lockstep stats` on.")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    lockstep = [sys.executable, "-m", "lockstep"]
    with tempfile.TemporaryDirectory(prefix="lockstep-startup-") as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "s.duckdb"
            subprocess.run([*lockstep, "synth", "--posts", "10000", "--out", f"{tmp}/synth", "--json"],
                           stdout=subprocess.DEVNULL, check=True)
            subprocess.run([*lockstep, "ingest", f"{tmp}/synth/posts.parquet", f"{tmp}/synth/accounts.parquet",
                            "--db", str(db), "--json"], stdout=subprocess.DEVNULL, check=True)
        print(f"{'command':<22} {'best s':>7} {'median s':>9}")
        for label, cmd in (("lockstep --help", [*lockstep, "--help"]),
                           ("lockstep stats", [*lockstep, "stats", "--db", str(db)]),
                           ("lockstep stats --json", [*lockstep, "stats", "--db", str(db), "--json"])):
            times = [wall(cmd) for _ in range(args.repeats)]
            print(f"{label:<22} {min(times):>7.2f} {statistics.median(times):>9.2f}")
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
