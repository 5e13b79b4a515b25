"""Every command of the CLI has `--help` text and a page in docs/commands/.

The command tree is walked recursively, lazy subgroups included, so a command added by any
part of the project fails this test until it is documented. Pages are named by the command path
joined with '-' (``lockstep export posts`` -> ``docs/commands/export-posts.md``); groups need help
text, and their leaf commands need pages.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from lockstep.cli.main import cli
from lockstep.model import ACCOUNT_FIELDS, POST_FIELDS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _walk(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group, info_name="lockstep")
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, f"'{' '.join((*path, name))}' is listed but cannot be loaded"
        out.append(((*path, name), cmd))
        if isinstance(cmd, click.Group):
            out += _walk(cmd, (*path, name))
    return out


COMMANDS = _walk(cli)
LEAVES = [(p, c) for p, c in COMMANDS if not isinstance(c, click.Group)]


def test_the_walk_finds_the_ingest_commands() -> None:
    names = {"-".join(p) for p, _ in COMMANDS}
    assert {"ingest", "stats", "quarantine", "formats", "export", "export-posts"} <= names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=["-".join(p) for p, _ in COMMANDS])
def test_command_has_help_text(path: tuple[str, ...], cmd: click.Command) -> None:
    assert (cmd.help or "").strip(), f"'lockstep {' '.join(path)}' has no --help text (write its docstring)"
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"option {param.opts} of 'lockstep {' '.join(path)}' has no help text"


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=["-".join(p) for p, _ in LEAVES])
def test_command_has_a_docs_page(path: tuple[str, ...], cmd: click.Command) -> None:
    page = DOCS / "commands" / f"{'-'.join(path)}.md"
    assert page.is_file(), f"'lockstep {' '.join(path)}' has no page: write docs/commands/{page.name}"
    text = page.read_text(encoding="utf-8")
    assert f"lockstep {' '.join(path)}" in text, f"{page.name} never shows the command being run"


def test_model_page_documents_every_field() -> None:
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    missing = [f for f in (*POST_FIELDS, *ACCOUNT_FIELDS) if f"`{f}`" not in text]
    assert not missing, f"docs/model.md does not describe: {', '.join(missing)}"
