"""Server-side render times of the analysts' workspace (`lockstep ui`) on a `lockstep synth` store.

    python bench/ui.py                          # 1M posts, seed 0 (builds the store: synth, ingest, detect)
    python bench/ui.py --work DIR --reuse       # reuse DIR/bench.duckdb built before
    python bench/ui.py --db STORE               # an existing store with one dataset (detect run on it),
                                                # e.g. a 10M-post one built once with synth, ingest, detect
    python bench/ui.py --posts 100000           # a smaller store

Signs in as an analyst of a real server database (SQLite) and requests, in the real app (FastAPI's
TestClient, in process): the networks list (first, middle and last page; each filter; a search by
account handle, by a word of a post's text, by a URL and by a domain), the network page of the
largest network and of other networks, the three charts a network page fetches after it shows
(htmx), and an account page. Times are the app's own, from its `Server-Timing` header (the time
between the request reaching the app and the response leaving it: store opened read-only, queries,
charts, template).

For each page: the first request (cold: nothing of it rendered before; for searches this includes
the copy of the members' posts into memory, see lockstep.ui.search), then --requests renders with
the page cache off (every request reads the store and renders, as a first view after the store
changed does), then --requests with the page cache on (warm: the page viewed again, store
unchanged). Prints p50, p95 and max of the renders against the target (p95 <= 300 ms), the warm
p95, the CPU milliseconds per render (this process: app, DuckDB's threads and the in-process client;
a figure that other load on the machine does not inflate, unlike wall time) and the load average.
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
import urllib.parse
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

    from lockstep.report.data import prejoined
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
        # a word, a link and a domain one of the members posted (what an analyst would paste)
        source = "network_posts" if prejoined(s, ds) else "posts"
        url_row = s.rows(f"SELECT urls[1], domains[1] FROM {source} WHERE dataset = ? AND account_id = ? "
                         "AND len(urls) > 0 LIMIT 1", [ds, member[1]]) or [("example.org/none", "example.org")]
        word = s.scalar(f"SELECT w FROM (SELECT unnest(string_split(lower(text), ' ')) AS w FROM {source} "
                        "WHERE dataset = ? AND account_id = ?) WHERE length(w) >= 6 AND regexp_matches(w, '^[a-z]+$') "
                        "LIMIT 1", [ds, member[1]]) or "election"
        first_day = s.scalar("SELECT min(first_activity)::DATE FROM networks WHERE dataset = ?", [ds])
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
    last = max(1, -(-len(nets) // 50))
    q = urllib.parse.quote
    pages = {
        "networks list, first page": [f"{d}/networks"],
        "networks list, middle page": [f"{d}/networks?page={max(1, last // 2)}"],
        "networks list, last page": [f"{d}/networks?page={last}"],
        "filter: platform": [f"{d}/networks?platform=twitter"],
        "filter: trace": [f"{d}/networks?trace=co_link"],
        "filter: size and score": [f"{d}/networks?min_size=5&max_size=100&min_score=0.5"],
        "filter: verdict (none yet)": [f"{d}/networks?verdict=none"],
        "filter: active from/to": [f"{d}/networks?active_from={first_day}&active_to={first_day}"],
        "sort: size, recent": [f"{d}/networks?sort=size", f"{d}/networks?sort=recent"],
        "search: handle": [f"{d}/networks?q={q(str(handle))}"],
        "search: post text": [f"{d}/networks?q={q(word)}"],
        "search: URL": [f"{d}/networks?q={q(url_row[0][0])}"],
        "search: domain": [f"{d}/networks?q={q(url_row[0][1])}"],
        f"network page, largest ({nets[0][1]} accounts)": [f"{d}/networks/{nets[0][0]}"],
        "network page, others": [f"{d}/networks/{n}" for n in others],
        **{f"chart fragment: {c}": [f"{d}/networks/{n}/charts/{c}" for n in [nets[0][0], *others]]
           for c in ("heatmap", "timeline", "creation")},
        "account page": [f"{d}/accounts/{member[0]}/{member[1]}"],
    }
    results: dict[str, dict[str, float]] = {}
    load_before = round(os.getloadavg()[0], 1)
    app = create_app(UiSettings(db=db, database_url=url))

    def signed_in(c: TestClient) -> None:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "bench", "password": password, "csrf_token": token})

    def p95(times: list[float]) -> float:
        times = sorted(times)
        return times[int(0.95 * (len(times) - 1) + 0.5)]

    def timed(c: TestClient, path: str) -> float:
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return float(r.headers["server-timing"].split("dur=")[1])

    app.state.pages = PageCache(size=0)  # every request renders: no page comes from the cache
    with TestClient(app) as c:
        signed_in(c)
        for name, paths in pages.items():
            first = timed(c, paths[0])  # cold: first open of the file, template compile, the search copy
            for p in paths[1:]:
                timed(c, p)
            times, cpu = [], []
            for i in range(args.requests):
                t = time.process_time()
                times.append(timed(c, paths[i % len(paths)]))
                cpu.append((time.process_time() - t) * 1000)
            results[name] = {"first": first, "p50": statistics.median(times), "p95": p95(times),
                             "max": max(times), "n": len(times), "cpu_p50": statistics.median(cpu)}
    # the same pages viewed again with the page cache on (the store unchanged)
    app.state.pages = PageCache(size=4096)
    with TestClient(app) as c:
        signed_in(c)
        for name, paths in pages.items():
            for p in paths:
                timed(c, p)
            results[name]["warm_p95"] = p95([timed(c, paths[i % len(paths)]) for i in range(args.requests)])
    summary = {"posts": posts, "networks": len(nets), "build_seconds": built, "pages_ms": results,
               "target_p95_ms": TARGET_MS, "load_average": [load_before, round(os.getloadavg()[0], 1)]}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"store: {posts:,} posts, {len(nets)} networks" + (f"; built in {sum(built.values()):.0f} s" if built else ""))
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"{'page':40} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7} {'CPU p50':>8} {'warm p95':>9}  p95 / target (ms)")
    for name, r in results.items():
        print(f"{name:40} {r['first']:7.1f} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['cpu_p50']:8.1f} "
              f"{r['warm_p95']:9.1f}  {r['p95'] / TARGET_MS:5.2f}" + ("" if r["p95"] <= TARGET_MS else "  OVER TARGET"))


if __name__ == "__main__":
    main()
