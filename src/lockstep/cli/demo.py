"""``lockstep demo``: the quick start's main job, end to end on generated data.

It drives the same commands a user would type (synth, ingest, detect, evaluate, export stix,
export gexf, export csv, report), so the demo exercises exactly the public interface and shows a
newcomer the commands to run on their own data.
"""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import Any

import click

from lockstep.cli.common import OutPath, err_console, print_table
from lockstep.errors import LockstepError


def _run(args: list[str]) -> float:
    """Run one lockstep command in-process; returns its wall time in seconds."""
    from lockstep.cli.main import cli

    err_console.print(f"[bold]$ lockstep {shlex.join(args)}[/]", highlight=False)
    t0 = time.perf_counter()
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as exc:  # commands exit non-zero only when nothing could be done
        if exc.code not in (0, None):
            raise LockstepError(f"`lockstep {shlex.join(args)}` failed (exit {exc.code}).") from exc
    return time.perf_counter() - t0


def _capture_json(args: list[str]) -> Any:
    from click.testing import CliRunner

    from lockstep.cli.main import cli

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise LockstepError(f"`lockstep {shlex.join(args)}` failed: {result.output[-500:]}")
    return json.loads(result.output)


@click.command()
@click.option("--out", default="demo-out", show_default=True, type=OutPath(folder=True),
              help="Folder for the generated data, the store and every output.")
@click.option("--posts", default=200_000, show_default=True, help="Size of the synthetic dataset.")
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic dataset.")
def demo(out: Path, posts: int, seed: int) -> None:
    """Generate a synthetic dataset with planted operations and run the whole pipeline on it.

    Steps: synth -> ingest -> detect (traces, significance, networks, signals) -> narratives
    (TF-IDF backend, for speed) -> evaluate against the planted truth -> export STIX 2.1, GEXF and
    CSV -> write the HTML report. Prints where
    everything is and the benchmark figures, and how to open the analysts' workspace (`lockstep ui`)
    on the demo store: a user 'analyst' is created, its password written to OUT/workspace-login.txt.
    Runs offline; needs no server.
    """
    out.mkdir(parents=True, exist_ok=True)
    db = out / "lockstep.duckdb"
    for stale in (db, out / "lockstep.duckdb.wal"):
        stale.unlink(missing_ok=True)
    data = out / "data"
    times: dict[str, float] = {}
    times["synth"] = _run(["synth", "--posts", str(posts), "--seed", str(seed), "--out", str(data)])
    inputs = sorted(str(p) for p in data.iterdir() if p.name.startswith(("posts.", "accounts.")))
    times["ingest"] = _run(["ingest", *inputs, "--dataset", "demo", "--db", str(db)])
    times["detect"] = _run(["detect", "--dataset", "demo", "--db", str(db)])
    # The light backend keeps the demo to a few minutes on a laptop; `lockstep narratives` on
    # your own data uses the packaged MiniLM model by default.
    times["narratives"] = _run(["narratives", "--dataset", "demo", "--db", str(db), "--backend", "tfidf",
                                "--top", "8"])
    t0 = time.perf_counter()
    figures = _capture_json(["evaluate", "--truth", str(data / "truth.csv"), "--dataset", "demo",
                             "--db", str(db), "--json"])
    times["evaluate"] = time.perf_counter() - t0
    times["export stix"] = _run(["export", "stix", "--dataset", "demo", "--db", str(db), "--tlp", "amber",
                                 "--out", str(out / "bundle.json")])
    times["export gexf"] = _run(["export", "gexf", "--dataset", "demo", "--db", str(db),
                                 "--out", str(out / "networks.gexf")])
    times["export csv"] = _run(["export", "csv", "--dataset", "demo", "--db", str(db), "--out", str(out / "csv")])
    times["report"] = _run(["report", "--dataset", "demo", "--db", str(db), "--out", str(out / "report.html")])
    (out / "figures.json").write_text(json.dumps({"evaluation": figures, "seconds": times}, indent=2, default=str))

    print_table("where everything is", ["what", "path"], [
        ("synthetic data + truth", data), ("store", db), ("report", out / "report.html"),
        ("STIX 2.1 bundle", out / "bundle.json"), ("Gephi graph", out / "networks.gexf"),
        ("CSV tables", out / "csv"), ("figures", out / "figures.json"),
    ])
    keys = [k for k in ("precision", "recall", "f1", "pr_auc", "roc_auc", "organic_flagged_share") if k in figures]
    print_table("benchmark (accounts, against the planted truth)", keys,
                [[f"{figures[k]:.3f}" if isinstance(figures[k], float) else figures[k] for k in keys]])
    print_table("seconds per stage", list(times), [[f"{v:.1f}" for v in times.values()]])
    _workspace(out, db)


def _workspace(out: Path, db: Path) -> None:
    """A server database for the analysts' workspace with one user, and how to open it."""
    import os
    import secrets

    from lockstep.serve import admin
    from lockstep.serve.database import make_engine, upgrade
    from lockstep.ui import users

    server = out / "workspace.sqlite"
    for stale in (server, out / "workspace.sqlite-wal", out / "workspace.sqlite-shm"):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{server}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        admin.add_org(engine, "demo")
        password = secrets.token_urlsafe(15)
        users.add_user(engine, "analyst", "demo", "analyst", password, actor="lockstep demo")
    finally:
        engine.dispose()
    login = out / "workspace-login.txt"
    login.unlink(missing_ok=True)
    fd = os.open(login, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"username: analyst\npassword: {password}\n")
    err_console.print(
        "\n[bold]Review, decide and export in the browser[/] (the analysts' workspace):\n"
        f"  lockstep ui --db {shlex.quote(str(db))} --database-url {shlex.quote(url)}\n"
        f"then open http://127.0.0.1:8080/ and sign in as 'analyst' with the password in {login}.",
        highlight=False)
