"""A Jetstream-compatible replay server: recorded Bluesky Jetstream events served over WebSocket.

It speaks what ``lockstep follow --jetstream`` needs of the public service: ``/subscribe`` with the
``cursor`` parameter (unix microseconds: events with ``time_us >= cursor`` are replayed) and
``wantedCollections`` (commit events of other collections are left out), one JSON event per text
message, oldest first. For tests of reconnection it can drop every connection after
``drop_every`` messages, as a flaky network or a service restart would.

``speed`` paces the replay on the events' own clock: 3600 plays an hour of events per second; 0 sends
as fast as the client reads.

Run it from the command line with ``lockstep replay EVENTS.jsonl --jetstream PORT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from lockstep.errors import SourceError


def load_posts(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(Lockstep posts, Jetstream events) read from the files, each sorted by time. Posts are Lockstep's
    own rows (Parquet or JSONL, as ``lockstep synth`` writes them) with ``_t``, the time in epoch
    seconds, added; a JSONL file whose first record has ``time_us`` is Jetstream events."""
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for path in paths:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows += pq.read_table(path).to_pylist()
            continue
        with open(path, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
        if path.suffix not in (".jsonl", ".ndjson", ".json"):
            raise SourceError(f"'{path}': replay reads Parquet or JSONL (Lockstep posts or Jetstream events); "
                              "convert it with 'lockstep ingest' then 'lockstep export posts --format parquet'.")
        (events if recs and "time_us" in recs[0] else rows).extend(recs)
    for r in rows:
        t = r["time"]
        t = t if isinstance(t, datetime) else datetime.fromisoformat(str(t).replace("Z", ""))
        r["time"] = t.isoformat(sep=" ")
        r["_t"] = t.replace(tzinfo=UTC).timestamp()
    rows.sort(key=lambda r: (r["_t"], str(r.get("post_id"))))
    events.sort(key=lambda e: int(e["time_us"]))
    return rows, events


def _did(account_id: Any) -> str:
    return f"did:plc:{account_id}"


def post_event(row: dict[str, Any]) -> dict[str, Any]:
    """A Lockstep post as the Jetstream commit event Bluesky would send for it (links, tags and
    mentions as rich-text facets, a reply's parent, images by their hash, a repost as its own record)."""
    t = datetime.fromisoformat(str(row["time"]))
    time_us = int(t.replace(tzinfo=UTC).timestamp() * 1e6)
    created = t.isoformat(timespec="milliseconds") + "Z"
    did = _did(row["account_id"])
    if row.get("repost_of_post"):
        subject = f"at://{_did(row.get('repost_of_account') or 'unknown')}/app.bsky.feed.post/{row['repost_of_post']}"
        record: dict[str, Any] = {"$type": "app.bsky.feed.repost", "createdAt": created,
                                  "subject": {"uri": subject, "cid": "bafyreplay"}}
        collection = "app.bsky.feed.repost"
    else:
        facets = [{"index": {"byteStart": 0, "byteEnd": 0},
                   "features": [{"$type": "app.bsky.richtext.facet#link", "uri": u}]} for u in row.get("urls") or []]
        facets += [{"index": {"byteStart": 0, "byteEnd": 0},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": h}]} for h in row.get("hashtags") or []]
        facets += [{"index": {"byteStart": 0, "byteEnd": 0},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": _did(m)}]}
                   for m in row.get("mentions") or []]
        record = {"$type": "app.bsky.feed.post", "text": row.get("text") or "", "createdAt": created,
                  "facets": facets}
        if row.get("language"):
            record["langs"] = [row["language"]]
        if row.get("reply_to_post"):
            parent = {"uri": f"at://{_did(row.get('reply_to_account') or 'unknown')}/app.bsky.feed.post/"
                             f"{row['reply_to_post']}", "cid": "bafyreplay"}
            record["reply"] = {"root": parent, "parent": parent}
        if row.get("media_hashes"):
            record["embed"] = {"$type": "app.bsky.embed.images", "images": [
                {"alt": "", "image": {"$type": "blob", "ref": {"$link": h}}} for h in row["media_hashes"]]}
        collection = "app.bsky.feed.post"
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": "replay", "operation": "create", "collection": collection,
                       "rkey": str(row["post_id"]), "record": record, "cid": "bafyreplay"}}


def load_events(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Jetstream events (one JSON object per line) from files, sorted by ``time_us``."""
    events = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            events += [json.loads(line) for line in fh if line.strip()]
    events.sort(key=lambda e: int(e["time_us"]))
    return events


class ReplayServer:
    """Serve ``events`` on ``ws://host:port/subscribe`` from a background thread (``start``/``stop``,
    or use as a context manager)."""

    def __init__(self, events: list[dict[str, Any]], *, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 0.0, drop_every: int | None = None) -> None:
        self.events = sorted(events, key=lambda e: int(e["time_us"]))
        self.host, self.port, self.speed, self.drop_every = host, port, speed, drop_every
        self.connections: list[int | None] = []  # the cursor each connection asked for
        self.sent = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/subscribe"

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="jetstream-replay",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the replay server did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(timeout=10)

    def serve_forever(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handle, self.host, self.port) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    async def _handle(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # a client that goes away (or is killed) is no error
            await self._replay(ws)

    async def _replay(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "/").query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        wanted = set(query.get("wantedCollections", []))
        self.connections.append(cursor)
        sent_here = 0
        prev: int | None = None
        for event in self.events:
            t = int(event["time_us"])
            if cursor is not None and t < cursor:
                continue
            coll = (event.get("commit") or {}).get("collection")
            if wanted and coll is not None and coll not in wanted:
                continue
            if self.speed and prev is not None and t > prev:
                await asyncio.sleep((t - prev) / 1e6 / self.speed)
            prev = t
            await ws.send(json.dumps(event))
            self.sent += 1
            sent_here += 1
            if self.drop_every and sent_here >= self.drop_every:
                await ws.close(code=1011, reason="replay server drops the connection (test)")
                return
        await ws.wait_closed()  # like the live service: stay open, nothing more to send
