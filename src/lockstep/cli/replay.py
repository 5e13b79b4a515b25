"""``lockstep replay``: play recorded posts in accelerated time, into ``lockstep follow``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--speed", type=float, default=0.0, show_default=True,
              help="Seconds of post time played per second (3600: an hour a second); 0: as fast as read.")
@click.option("--jetstream", "port", type=int, default=None,
              help="Serve the posts as Bluesky Jetstream events on ws://127.0.0.1:PORT/subscribe (with cursor "
                   "and wantedCollections) instead of printing NDJSON.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the Jetstream server listens on.")
def replay(files: tuple[Path, ...], speed: float, port: int | None, host: str) -> None:
    """Play posts in time order, in accelerated time: NDJSON on standard output, or a Jetstream server.

    FILES are Lockstep's own posts (what `lockstep synth` writes: Parquet, CSV or JSONL) or recorded
    Jetstream events (JSONL). Pipe the output into `lockstep follow --stdin --clock data`, or point
    `lockstep follow --jetstream ws://127.0.0.1:PORT/subscribe` at the server, to measure how soon
    planted operations are alerted on (`lockstep evaluate --latency`).
    """
    import contextlib
    import json
    import sys
    import time

    from lockstep.testing.jetstream import ReplayServer, load_posts, post_event

    rows, events = load_posts(files)
    if port is not None:
        evs = events or [post_event(r) for r in rows]
        click.echo(f"serving {len(evs)} Jetstream events on ws://{host}:{port}/subscribe (Ctrl-C stops)", err=True)
        with contextlib.suppress(KeyboardInterrupt):
            ReplayServer(evs, host=host, port=port, speed=speed).serve_forever()
        return
    out = sys.stdout
    start_wall, start_data = time.monotonic(), None
    for r in rows or events:
        t = r["time_us"] / 1e6 if "time_us" in r else r["_t"]
        if speed and start_data is not None:
            ahead = (t - start_data) / speed - (time.monotonic() - start_wall)
            if ahead > 0:
                out.flush()
                time.sleep(ahead)
        start_data = t if start_data is None else start_data
        r.pop("_t", None)
        try:
            out.write(json.dumps(r, default=str) + "\n")
        except BrokenPipeError:
            return
    out.flush()
