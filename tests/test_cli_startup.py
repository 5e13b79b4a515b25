"""`lockstep --help` and `lockstep stats` start without the heavy libraries (issue: speed end to end,
an instant CLI).

Each verb imports what it needs when it runs; importing the command group must not pull in the
analysis stack. Timing belongs in benchmarks; this test checks the cause, which can regress.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lockstep.store import Store

HEAVY = ("igraph", "scipy", "sklearn", "matplotlib", "torch", "fastapi", "pandas", "networkx",
         "duckdb", "pyarrow", "numpy", "stix2")


def _loaded(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded("import lockstep.cli.main") == []


def test_help_loads_no_heavy_library() -> None:
    code = ("import sys\nfrom lockstep.cli.main import cli\nsys.argv = ['lockstep', '--help']\n"
            "try:\n    cli.main(standalone_mode=False)\nexcept SystemExit:\n    pass")
    assert _loaded(code) == []


def _run_cli(args: list[str]) -> str:
    return ("import sys\nfrom lockstep.cli.main import cli\n"
            f"sys.argv = ['lockstep', *{args!r}]\n"
            "try:\n    cli.main(standalone_mode=False)\nexcept SystemExit:\n    pass")


def test_stats_loads_only_the_store(tmp_path: Path) -> None:
    """`lockstep stats` opens the store (DuckDB) and nothing else heavy, as a table or as JSON."""
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.con.execute("INSERT INTO posts (dataset, platform, post_id, account_id, time) "
                          "VALUES ('d', 'twitter', '1', 'a', TIMESTAMP '2024-01-01 00:00:00')")
    for extra in ([], ["--json"]):
        assert _loaded(_run_cli(["stats", "--db", str(db), *extra])) == ["duckdb"]


def test_stats_prints_plain_text_to_a_pipe(tmp_path: Path) -> None:
    """Piped, the summary is aligned plain text: no box drawing, no cell cut to 80 columns."""
    db = tmp_path / "a-store-with-a-rather-long-name-so-that-a-boxed-table-would-be-squeezed.duckdb"
    with Store(db) as store:
        store.con.execute("INSERT INTO posts (dataset, platform, post_id, account_id, time) "
                          "VALUES ('d', 'twitter', '1', 'a', TIMESTAMP '2024-01-01 00:00:00')")
    out = subprocess.run([sys.executable, "-m", "lockstep", "stats", "--db", str(db)], capture_output=True,
                         text=True, check=True).stdout
    assert not set(out) & set("┏━┃│└─…")
    lines = out.splitlines()
    assert lines[0] == f"store {db}"
    assert lines[1].split() == ["posts", "accounts", "quarantined", "first", "post", "last", "post"]
    assert lines[2].split() == ["1", "0", "0", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"]


def test_the_lazy_command_list_is_what_click_would_show() -> None:
    """`--help` reads summaries from the sources; they must match the imported commands'."""
    import click

    from lockstep.cli.common import LazyGroup
    from lockstep.cli.main import cli

    groups: list[click.Group] = [cli]
    seen = 0
    while groups:
        group = groups.pop()
        ctx = click.Context(group)
        for width in (60, 100, 200):
            lazy, eager = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
            group.format_commands(ctx, lazy)
            click.Group.format_commands(group, ctx, eager)
            assert lazy.getvalue() == eager.getvalue()
        seen += 1
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            if isinstance(sub, LazyGroup):
                groups.append(sub)
    assert seen >= 2  # the top level and `export`
