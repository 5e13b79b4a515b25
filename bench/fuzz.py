"""Fuzz every ingest adapter, the ingest pipeline and ``lockstep intel import`` with a million
(default) hostile inputs, and count the crashes.

An *input* is one generated record (a JSON line, a CSV row, an array element, an indicator); many
go into each generated file, so the run is fast. Each file is read by every registered adapter (the
``table`` adapter once per ``--map`` of the templates); every 10th file also goes through the whole
pipeline into a store; every 5th step also writes a STIX bundle and a Meta CSV for ``intel import``.
A *crash* is any exception escaping an adapter, the pipeline or the importer other than Lockstep's
own clear user errors (``LockstepError``). See ``lockstep.testing.hostile`` for the mutations.
With ``--taxii N`` (default 2,000) it also POSTs N envelopes of hostile STIX objects to the sharing
server app (SQLite, FastAPI's test client, a partner with write rights); a crash there is a 5xx.

Usage::

    python bench/fuzz.py [--inputs 1000000] [--records 2000] [--seed 1] [--taxii 2000]

Prints the count of inputs, of files, of adapter/pipeline/import runs and of crashes (with the first
trace of each kind); exits 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from lockstep.testing.hostile import FuzzResult, fuzz, fuzz_taxii

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=1_000_000, help="generated records, at least (default 1,000,000)")
    ap.add_argument("--records", type=int, default=2_000, help="records per generated file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--taxii", type=int, default=2_000, metavar="N",
                    help="also POST N envelopes of 5 hostile STIX objects to the sharing server app (0: skip)")
    args = ap.parse_args()
    # Each file adds ``records`` inputs, every 5th step two intel files of records/4 + 1 more.
    per_file = args.records + 2 * (args.records // 4 + 1) / 5
    files = max(1, -(-args.inputs // int(per_file)))
    start = time.perf_counter()
    last = [start]

    def progress(r: FuzzResult) -> None:
        now = time.perf_counter()
        if now - last[0] > 30:
            last[0] = now
            print(f"  {r.inputs:,} inputs, {r.files:,} files, {len(r.crashes or []):,} crashes, "
                  f"{now - start:.0f} s", file=sys.stderr, flush=True)

    result = fuzz(DATA, seed=args.seed, files=files, records=args.records, on_file=progress)
    seconds = time.perf_counter() - start
    crashes = result.crashes or []
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs (generated records): {result.inputs:,}")
    print(f"files: {result.files:,} ({result.intel_files:,} for intel import)")
    print(f"adapter runs: {result.adapter_runs:,}; pipeline runs: {result.pipeline_runs:,}")
    print(f"crashes: {len(crashes):,}")
    print(f"time: {seconds:.0f} s ({result.inputs / seconds:,.0f} inputs/s); peak RSS {peak:,.0f} MiB")
    kinds = Counter((c.target, c.error[:100]) for c in crashes)
    shown: set[tuple[str, str]] = set()
    for c in crashes:
        key = (c.target, c.error[:100])
        if key not in shown:
            shown.add(key)
            print(f"\n--- {kinds[key]} x {c.target}: {c.error}\n{c.trace}")
    failed = bool(crashes)
    if args.taxii:
        start = time.perf_counter()
        tx = fuzz_taxii(seed=args.seed, envelopes=args.taxii, per_envelope=5)
        print(f"\nTAXII write path: {tx.inputs:,} objects in {tx.requests:,} envelopes, {tx.accepted:,} accepted, "
              f"{len(tx.crashes or []):,} crashes (5xx answers) in {time.perf_counter() - start:.0f} s")
        for c in (tx.crashes or [])[:3]:
            print(f"--- {c.target} {c.path}: {c.error}\n{c.trace[:1500]}")
        failed = failed or bool(tx.crashes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
