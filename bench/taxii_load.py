"""Benchmark of the TAXII 2.1 server (not a test): sustained mixed reads, and paging a 100,000-object
collection while objects are being added.

1. Load: starts ``lockstep serve`` on 127.0.0.1 (free port), provisions an organisation, a key and a
   collection of 2,000 objects, then sends ``--rate`` requests/s (open loop: one request every
   1/rate s whatever the answers, at most ``--concurrency`` in flight) for ``--duration`` s: a mix
   of discovery, collections, get objects, manifest, get object and versions. Prints requests,
   achieved rate, errors (any non-2xx or transport failure), p50/p99/max latency.
2. Paging: fills a second collection with ``--objects`` objects (through the storage layer, to keep
   the set-up short), then pages through it over HTTP (limit 1000, ``next`` tokens) while a writer
   adds batches of 100 objects over HTTP; after the last page it resumes with ``added_after`` as a
   polling client does. Prints objects seen, duplicates, missing (against the database) and time.

Usage::

    python bench/taxii_load.py [--rate 200] [--duration 60] [--objects 100000] [--workers 2]
                               [--database-url URL]

Loopback only; the server and its SQLite file live in a temporary folder that is removed after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from lockstep.serve import admin, objects
from lockstep.serve.database import make_engine, upgrade
from lockstep.serve.http import TAXII_MEDIA
from lockstep.serve.schema import objects as objects_table
from lockstep.serve.validate import Checked
from lockstep.testing.taxii import start_server


def indicator(n: int) -> dict[str, Any]:
    now = "2026-01-01T00:00:00.000Z"
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": now,
            "modified": now, "name": f"bench {n}", "pattern": f"[domain-name:value = 'b{n}.example']",
            "pattern_type": "stix", "valid_from": now,
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}


def checked(obj: dict[str, Any]) -> Checked:
    from lockstep.serve.timestamps import parse_us
    return Checked(obj["id"], obj["type"], obj["modified"], parse_us(obj["modified"]), "2.1", 2,
                   json.dumps(obj, separators=(",", ":")))


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start(database_url: str, workers: int, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc, url = start_server(database_url, cwd, "--workers", str(workers),
                             "--max-content-length", str(50 * 1024 * 1024))
    time.sleep(1.0 if workers > 1 else 0)  # let every worker finish starting
    return proc, url


async def load(url: str, auth: tuple[str, str], cid: str, ids: list[str], rate: float, duration: float,
               concurrency: int) -> dict[str, Any]:
    coll = f"{url}/lockstep/collections/{cid}/"
    mix = [(5, lambda: url + "/taxii2/"), (10, lambda: url + "/lockstep/collections/"),
           (35, lambda: coll + "objects/?limit=50&added_after=2000-01-01T00:00:00Z"),
           (20, lambda: coll + "manifest/?limit=100"),
           (20, lambda: coll + f"objects/{random.choice(ids)}/"),
           (10, lambda: coll + f"objects/{random.choice(ids)}/versions/")]
    weights, makers = [w for w, _ in mix], [m for _, m in mix]
    lat: list[float] = []
    errors: list[str] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(auth=auth, headers={"Accept": TAXII_MEDIA}, limits=limits, timeout=30) as client:
        async def one(u: str) -> None:
            async with sem:
                t = time.perf_counter()
                try:
                    r = await client.get(u)
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {u}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {u}")
                lat.append(time.perf_counter() - t)

        tasks = []
        start_t = time.perf_counter()
        n = int(rate * duration)
        for i in range(n):
            delay = start_t + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(random.choices(makers, weights)[0]())))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start_t
    lat.sort()
    return {"requests": n, "seconds": round(wall, 1), "achieved_rate": round(n / wall, 1), "errors": len(errors),
            "error_samples": errors[:5], "p50_ms": round(1000 * statistics.median(lat), 1),
            "p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1), "max_ms": round(1000 * lat[-1], 1)}


async def paging(url: str, auth: tuple[str, str], cid: str) -> dict[str, Any]:
    objects_url = f"{url}/lockstep/collections/{cid}/objects/"
    added: list[str] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(auth=auth, headers={"Accept": TAXII_MEDIA}, timeout=120) as client:
        async def writer() -> None:
            n = 10_000_000
            while not stop.is_set():
                batch = [indicator(n + i) for i in range(100)]
                n += 100
                r = await client.post(objects_url, json={"objects": batch}, headers={"Content-Type": TAXII_MEDIA})
                if r.status_code != 202 or r.json()["success_count"] != 100:
                    raise SystemExit(f"add failed: {r.status_code} {r.text[:300]}")
                added.extend(o["id"] for o in batch)
                await asyncio.sleep(0.05)

        w = asyncio.create_task(writer())
        seen: list[str] = []
        pages = 0
        t0 = time.perf_counter()
        params: dict[str, str] = {"limit": "1000"}
        last = ""
        while True:
            r = await client.get(objects_url, params=params)
            r.raise_for_status()
            body = r.json()
            pages += 1
            seen += [o["id"] for o in body.get("objects", [])]
            last = r.headers.get("X-TAXII-Date-Added-Last", last)
            if not body["more"]:
                break
            params = {"limit": "1000", "next": body["next"]}
        paged_s = time.perf_counter() - t0
        stop.set()
        await w
        while True:  # catch up with what was added after the last page, as a polling client does
            r = await client.get(objects_url, params={"limit": "1000", "added_after": last})
            body = r.json()
            if not body.get("objects"):
                break
            seen += [o["id"] for o in body["objects"]]
            last = r.headers["X-TAXII-Date-Added-Last"]
    return {"pages": pages, "seen": len(seen), "unique": len(set(seen)), "added_while_paging": len(added),
            "paging_seconds": round(paged_s, 1), "seen_ids": seen}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--skip-paging", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lockstep-bench-") as tmp:
        db_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(db_url)
        upgrade(engine)
        tag = uuid.uuid4().hex[:6]
        admin.add_org(engine, f"bench-{tag}")
        key = admin.create_key(engine, f"bench-{tag}")
        auth = (key["key_id"], key["secret"])
        small = admin.add_collection(engine, title=f"load-{tag}", owner=f"bench-{tag}")["id"]
        big = admin.add_collection(engine, title=f"paging-{tag}", owner=f"bench-{tag}")["id"]
        seed = [indicator(i) for i in range(2000)]
        objects.add(engine, small, _org_id(engine, f"bench-{tag}"), [checked(o) for o in seed])
        proc, url = start(db_url, args.workers, Path(tmp))
        try:
            if not args.skip_load:
                cpu0 = tree_cpu_seconds(proc.pid)
                res = asyncio.run(load(url, auth, small, [o["id"] for o in seed], args.rate, args.duration,
                                       args.concurrency))
                print(f"load: {res['requests']} requests in {res['seconds']} s "
                      f"({res['achieved_rate']} req/s, target {args.rate}), errors {res['errors']}, "
                      f"p50 {res['p50_ms']} ms, p99 {res['p99_ms']} ms, max {res['max_ms']} ms "
                      f"[{args.workers} worker(s)]")
                for e in res["error_samples"]:
                    print("  error:", e)
                per_req = (tree_cpu_seconds(proc.pid) - cpu0) / res["requests"]
                print(f"load: server CPU {1000 * per_req:.2f} ms per request -> {per_req * args.rate:.2f} cores "
                      f"needed for {args.rate:.0f} req/s (this machine: {os.cpu_count()} cores, load average "
                      f"{os.getloadavg()[0]:.1f} at the end)")
            if not args.skip_paging:
                t = time.perf_counter()
                org = _org_id(engine, f"bench-{tag}")
                for i in range(0, args.objects, 5000):
                    objects.add(engine, big, org, [checked(indicator(j)) for j in range(i, min(i + 5000, args.objects))])
                print(f"paging: filled {args.objects} objects in {time.perf_counter() - t:.1f} s")
                res = asyncio.run(paging(url, auth, big))
                with engine.connect() as conn:
                    from sqlalchemy import select
                    stored = set(conn.execute(select(objects_table.c.object_id)
                                              .where(objects_table.c.collection_id == big)).scalars())
                seen = res.pop("seen_ids")
                missing = len(stored - set(seen))
                dup = res["seen"] - res["unique"]
                print(f"paging: {res['pages']} pages in {res['paging_seconds']} s; {res['seen']} objects served, "
                      f"{len(stored)} stored ({args.objects} + {res['added_while_paging']} added while paging); "
                      f"missing {missing}, repeated {dup} -> {'OK' if not missing and not dup else 'FAIL'}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            engine.dispose()


def _org_id(engine: Any, name: str) -> int:
    from sqlalchemy import select

    from lockstep.serve.schema import organisations
    with engine.connect() as conn:
        return int(conn.execute(select(organisations.c.id).where(organisations.c.name == name)).scalar_one())


if __name__ == "__main__":
    main()
