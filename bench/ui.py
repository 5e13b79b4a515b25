"""Server-side render times of the analysts' workspace (`lockstep ui`) on a `lockstep synth` store.

    python bench/ui.py                          # 1M posts, seed 0 (builds the store: synth, ingest, detect)
    python bench/ui.py --work DIR --reuse       # reuse DIR/bench.duckdb built before
    python bench/ui.py --db STORE               # an existing store with one dataset (detect run on it)
    python bench/ui.py --posts 100000           # a smaller store

Signs in as an analyst of a real server database (SQLite) and requests, in the real app (FastAPI's
TestClient, in process): the networks list (default order, a filtered one, a text search, a deep
page), the network page of the largest network and of other networks, the three charts a network
page fetches after it shows (htmx), and an account page. Times
are the app's own, with the page cache off (every request reads the store and renders; a last row
shows network pages viewed again with it on), from its `Server-Timing` header (the time between the request reaching the app
and the response leaving it: store opened read-only, queries, charts, template), over --requests
rounds after one warm-up each. Prints p50, p95 and max per page against the target (p95 <= 300 ms),
the CPU milliseconds per request (this process: app, DuckDB's threads and the in-process client; a
figure that other load on the machine does not inflate, unlike wall time) and the load average,
and the warm-up time of the first search (which copies the members' posts into memory, see
lockstep.ui.search).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 300.0


def lockstep(*args: str) -> float:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "lockstep", *args], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"lockstep {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return time.perf_counter() - t


def build(work: Path, posts: int, seed: int) -> dict[str, float]:
    data, db = work / "synth", work / "bench.duckdb"
    db.unlink(missing_ok=True)
    return {"synth": lockstep("synth", "--posts", str(posts), "--seed", str(seed), "--out", str(data)),
            "ingest": lockstep("ingest", str(data / "posts.parquet"), str(data / "accounts.parquet"),
                               "--db", str(db), "--dataset", "bench"),
            "detect": lockstep("detect", "--dataset", "bench", "--db", str(db))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None, help="folder for the store (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="reuse WORK/bench.duckdb if it exists")
    ap.add_argument("--db", type=Path, default=None, help="an existing store to read (not modified)")
    ap.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from lockstep.serve import admin
    from lockstep.serve.database import make_engine, upgrade
    from lockstep.store import Store
    from lockstep.ui import users
    from lockstep.ui.app import create_app
    from lockstep.ui.settings import UiSettings
    from lockstep.ui.storeview import PageCache

    tmp = tempfile.TemporaryDirectory()
    work = args.work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    db = args.db or work / "bench.duckdb"
    built = {} if args.db or (args.reuse and db.exists()) else build(work, args.posts, args.seed)
    with Store(db, read_only=True) as s:
        ds = s.resolve_dataset(None)
        posts = int(s.scalar("SELECT count(*) FROM posts"))
        nets = s.rows("SELECT network_id, size FROM networks WHERE dataset = ? ORDER BY size DESC", [ds])
        member = s.rows("SELECT platform, account_id FROM members WHERE dataset = ? AND network_id = ? "
                        "LIMIT 1", [ds, nets[0][0]])[0]
        handle = s.scalar("SELECT handle FROM accounts WHERE dataset = ? AND account_id = ?", [ds, member[1]])
    server = work / "ui-bench.sqlite"
    server.unlink(missing_ok=True)
    url = f"sqlite:///{server}"
    engine = make_engine(url)
    upgrade(engine)
    admin.add_org(engine, "bench")
    password = "bench password long enough"
    users.add_user(engine, "bench", "bench", "analyst", password)
    engine.dispose()

    others = [n for n, _ in nets[1:]][:: max(1, len(nets) // 10)][:10]
    d = f"/d/{ds}"
    pages = {
        "networks list": [f"{d}/networks"],
        "networks list, filtered": [f"{d}/networks?trace=co_link&min_size=5&sort=size"],
        "networks list, search": [f"{d}/networks?q={handle}", f"{d}/networks?q=election"],
        "networks list, last page": [f"{d}/networks?page={max(1, len(nets) // 50 + 1)}"],
        f"network page, largest ({nets[0][1]} accounts)": [f"{d}/networks/{nets[0][0]}"],
        "network page, others": [f"{d}/networks/{n}" for n in others],
        **{f"network chart fragment: {c}": [f"{d}/networks/{n}/charts/{c}" for n in [nets[0][0], *others]]
           for c in ("heatmap", "timeline", "creation")},
        "account page": [f"{d}/accounts/{member[0]}/{member[1]}"],
    }
    results: dict[str, dict[str, float]] = {}
    load_before = round(os.getloadavg()[0], 1)
    app = create_app(UiSettings(db=db, database_url=url))
    app.state.pages = PageCache(size=0)  # every request renders: no page comes from the cache
    with TestClient(app) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "bench", "password": password, "csrf_token": token})
        first = {}
        for name, paths in pages.items():
            for p in paths:
                r = c.get(p)  # warm-up (first open of the file, template compile, the search copy)
                assert r.status_code == 200, p
                first.setdefault(name, float(r.headers["server-timing"].split("dur=")[1]))
            times, cpu = [], []
            for i in range(args.requests):
                t = time.process_time()
                r = c.get(paths[i % len(paths)])
                cpu.append((time.process_time() - t) * 1000)
                assert r.status_code == 200
                times.append(float(r.headers["server-timing"].split("dur=")[1]))
            times.sort()
            results[name] = {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1) + 0.5)],
                             "max": times[-1], "n": len(times), "cpu_p50": statistics.median(cpu)}
    # the same network pages viewed again with the page cache on (the store unchanged)
    app.state.pages = PageCache()
    with TestClient(app) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "bench", "password": password, "csrf_token": token})
        paths = pages["network page, others"]
        for p in paths:
            c.get(p)
        again = sorted(float(c.get(paths[i % len(paths)]).headers["server-timing"].split("dur=")[1])
                       for i in range(args.requests))
    results["network page, viewed again (cached)"] = {
        "p50": statistics.median(again), "p95": again[int(0.95 * (len(again) - 1) + 0.5)], "max": again[-1],
        "n": len(again)}
    summary = {"posts": posts, "networks": len(nets), "build_seconds": built, "pages_ms": results,
               "first_request_ms": first,
               "target_p95_ms": TARGET_MS}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"store: {posts:,} posts, {len(nets)} networks" + (f"; built in {sum(built.values()):.0f} s" if built else ""))
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"{'page':45} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p50':>8}  p95 / target")
    for name, r in results.items():
        cpu = f"{r['cpu_p50']:8.1f}" if "cpu_p50" in r else f"{'':8}"
        print(f"{name:45} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f} {cpu}  "
              f"{r['p95'] / TARGET_MS:5.2f}"
              + ("" if r["p95"] <= TARGET_MS else "  OVER TARGET"))
    print(f"first search after the store changed (copies the members' posts into memory): "
          f"{first['networks list, search']:.0f} ms; first request of all: {first['networks list']:.0f} ms")


if __name__ == "__main__":
    main()
