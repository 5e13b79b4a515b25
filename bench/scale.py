"""Scale bench: synth -> ingest -> detect -> evaluate at 100k, 1M (and opt-in 10M) posts.

Each stage runs as its own subprocess through a small measuring wrapper (this script with
``--measure``), so its peak memory is that stage's alone (``getrusage(RUSAGE_CHILDREN)`` of the
wrapper). Prints a table and writes ``bench/results/scale-<date>.json`` (git-ignored).

    python bench/scale.py                 # 100k and 1M posts
    python bench/scale.py --sizes 10M     # 10 million (minutes; several GB of disk)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}


def measure(cmd: list[str]) -> int:
    """Run ``cmd``; print its wall time and peak RSS as JSON on the last line of stderr."""
    t0 = time.perf_counter()
    rc = subprocess.call(cmd)  # stdout passes through to the caller
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rc": rc, "wall_s": round(wall, 2), "peak_mb": round(peak_kb / 1024, 1)}), file=sys.stderr)
    return rc


def stage(cmd: list[str]) -> dict:
    p = subprocess.run([sys.executable, __file__, "--measure", "--", *cmd], capture_output=True, text=True)
    res = json.loads(p.stderr.strip().splitlines()[-1])
    if cmd[-1] == "--json" and "evaluate" in cmd and res["rc"] == 0:
        figures = json.loads(p.stdout)
        res["metrics"] = {k: figures.get(k) for k in ("precision", "recall", "f1", "pr_auc", "roc_auc",
                                                        "organic_flagged_share")}
        res["metrics"]["negative_groups"] = {g: v["share_flagged"] for g, v in figures["negative_groups"].items()}
        res["metrics"]["recall_per_style"] = figures.get("recall_per_style")
    if res["rc"] != 0:
        print(f"  stage failed: {' '.join(cmd)}\n{p.stderr[-2000:]}", file=sys.stderr)
    return res


def has_command(name: str) -> bool:
    from lockstep.cli.main import COMMANDS

    return name in COMMANDS


def run(sizes: list[str], seed: int, work: Path, fmt: str) -> list[dict]:
    lockstep = [sys.executable, "-m", "lockstep"]
    rows = []
    for label in sizes:
        n = SIZES[label]
        out, db = work / f"synth-{label}", work / f"bench-{label}.duckdb"
        shutil.rmtree(out, ignore_errors=True)
        db.unlink(missing_ok=True)
        ext = "parquet" if fmt == "parquet" else fmt
        plan = [("synth", [*lockstep, "synth", "--posts", str(n), "--seed", str(seed), "--out", str(out),
                           "--format", fmt, "--json"]),
                ("ingest", [*lockstep, "ingest", str(out / f"posts.{ext}"), str(out / f"accounts.{ext}"),
                            "--db", str(db), "--json"])]
        if has_command("detect"):
            plan.append(("detect", [*lockstep, "detect", "--db", str(db)]))
            plan.append(("evaluate", [*lockstep, "evaluate", "--truth", str(out / "truth.csv"), "--db", str(db),
                                      "--json"]))
        else:
            print("  note: 'lockstep detect' does not exist yet; skipping detect and evaluate", file=sys.stderr)
        for name, cmd in plan:
            print(f"[{label}] {name} ...", file=sys.stderr, flush=True)
            res = stage(cmd)
            rows.append({"size": label, "posts": n, "stage": name, **res})
            print(f"[{label}] {name}: {res['wall_s']} s, peak {res['peak_mb']} MB", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["100k", "1M"], choices=list(SIZES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", default="parquet", choices=["parquet", "csv", "jsonl"])
    ap.add_argument("--work", type=Path, default=None, help="Folder for data and stores (default: a temp dir).")
    ap.add_argument("--keep", action="store_true", help="Keep the generated data and stores.")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lockstep-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = run(args.sizes, args.seed, work, args.format)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    from rich.console import Console
    from rich.table import Table

    t = Table(title="lockstep scale bench")
    for h in ("size", "stage", "wall s", "peak MB", "posts/s", "rc"):
        t.add_column(h)
    for r in rows:
        t.add_row(r["size"], r["stage"], f"{r['wall_s']:.1f}", f"{r['peak_mb']:.0f}",
                  f"{r['posts'] / max(r['wall_s'], 1e-9):,.0f}", str(r["rc"]))
    Console().print(t)
    for r in rows:
        if "metrics" in r:
            m = r["metrics"]
            print(f"[{r['size']}] detection: precision {m['precision']}, recall {m['recall']}, F1 {m['f1']}, "
                  f"organic flagged {m['organic_flagged_share']}", file=sys.stderr)
    result = {"date": dt.datetime.now(dt.UTC).isoformat(), "seed": args.seed, "format": args.format,
              "python": sys.version.split()[0], "stages": rows}
    res_dir = HERE / "results"
    res_dir.mkdir(exist_ok=True)
    path = res_dir / f"scale-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure" and sys.argv[2] == "--":
        sys.exit(measure(sys.argv[3:]))
    main()
