"""What every command shares: finding the store, ``--json``/``--csv`` output, error translation.

Library code raises :class:`~lockstep.errors.LockstepError`; only here do errors become messages
and exit codes (1: internal, 2: the user's input, 3: an external dependency). No traceback is
shown for a user's mistake.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lockstep.errors import LockstepError

if TYPE_CHECKING:  # the store (duckdb, pyarrow) loads only in commands that open it: `--help` stays instant
    from rich.console import Console

    from lockstep.store import Store

    console: Console
    err_console: Console

F = TypeVar("F", bound=Callable[..., Any])

_consoles: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """``console`` (stdout) and ``err_console`` (stderr), made on first use: rich loads only in
    commands that print through it, so a plain answer (`lockstep stats | ...`) starts faster."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _consoles:
        from rich.console import Console

        made = Console(stderr=name == "err_console")
        made.soft_wrap = not made.is_terminal  # piped or redirected: whole lines, not cut at 80 columns
        _consoles[name] = made
    return _consoles[name]


def db_option(f: F) -> F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="DuckDB store file. Default: $LOCKSTEP_DB, else ./lockstep.duckdb.",
    )(f)


def dataset_option(f: F) -> F:
    return click.option(
        "--dataset", default=None, help="Dataset to work on (default: the only one in the store)."
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of a table.")(f)


def csv_option(f: F) -> F:
    return click.option("--csv", "as_csv", is_flag=True, help="Print CSV (with a header) instead of a table.")(f)


class OutPath(click.Path):
    """An output path (``--out``) whose folder is made ready when the option is read.

    A file's parent folder (or, with ``folder=True``, the folder itself) is created when missing, so
    ``--out reports/2024/report.html`` works on a fresh checkout; when it cannot be (a file stands
    where a folder should be, no permission) the user gets one line naming the path, not a traceback.
    """

    def __init__(self, *, folder: bool = False) -> None:
        super().__init__(dir_okay=folder, file_okay=not folder, path_type=Path)
        self.folder = folder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        target = path if self.folder else path.parent
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.fail(f"cannot create the folder '{target}' for '{path}' ({exc.strerror or exc}); "
                      "give a path in a folder you can write to.", param, ctx)
        return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Around writing an output: an OS error (disk full, no permission, a device) becomes one line
    naming the path instead of a traceback."""
    import duckdb

    try:
        yield
    except (OSError, duckdb.IOException) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).removeprefix("IO Error: ")
        raise LockstepError(f"Cannot write '{path}': {why}. "
                            "Check the path, its permissions and the free space.") from exc


def open_store(db: Path | None, *, read_only: bool = False, wait_s: int | None = None) -> Store:
    """The store every command uses: ``--db``, else ``LOCKSTEP_DB``, else ``./lockstep.duckdb``.

    A command that writes waits while another process holds the store (a `lockstep ui` answering a
    request, a `lockstep networks` running): up to ``wait_s`` seconds, else the setting
    ``store_wait_s``, saying so once on stderr (:func:`lockstep.store.open_waiting`)."""
    from lockstep.config import Settings
    from lockstep.store import Store, open_waiting, resolve_db_path

    path = resolve_db_path(db)
    if read_only and path.exists():
        # Opening read-write keeps older stores' tables up to date; fall back if we may not write.
        try:
            return Store(path)
        except Exception:
            return Store(path, read_only=True)
    if read_only:
        return Store(path, read_only=True)
    return open_waiting(path, wait_s=Settings.load().store_wait_s if wait_s is None else wait_s,
                        on_wait=lambda msg: __getattr__("err_console").print(msg, highlight=False))


def _default(o: Any) -> Any:
    if isinstance(o, (datetime, date)):
        return o.isoformat() + ("Z" if isinstance(o, datetime) and o.tzinfo is None else "")
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, set):
        return sorted(o)
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``--csv`` output, through the one CSV writer that keeps spreadsheets from running formulas."""
    from lockstep.report.escape import write_csv

    write_csv(sys.stdout, header, rows)


def _cell(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat() + ("Z" if v.tzinfo is None else "")
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    return v


def print_table(title: str | None, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table for people: boxed (rich) on a terminal; plain aligned text, never cut to a width,
    when stdout is a pipe or a file (``--json`` and ``--csv`` are the formats for scripts)."""
    cells = [["" if v is None else str(_cell(v)) for v in r] for r in rows]
    if not sys.stdout.isatty():
        click.echo(plain_table(title, header, cells))
        return
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    for h in header:
        t.add_column(h)
    for r in cells:
        t.add_row(*r)
    __getattr__("console").print(t)


def plain_table(title: str | None, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart; the title on its own line above."""
    lines = [list(map(str, header)), *(list(r) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [title] if title else []
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    return "\n".join(out)


def on_terminal() -> bool:
    return sys.stderr.isatty()


class StepProgress:
    """Progress over a known list of steps (``detect``'s traces, then networks, then signals).

    On a terminal: a bar with the current step, steps done of all, time elapsed and an estimate
    of the time left (from the pace of the steps so far). Elsewhere (a log, a pipe, CI): one plain
    line per step on stderr, with the time since the start, so a long run shows where it is.
    Call the object with each step's name as the step starts; the previous one is then done."""

    def __init__(self, what: str, steps: Sequence[str]) -> None:
        self.what, self.total = what, len(steps)
        self.done = -1
        self._bar: Any = None
        self._started = 0.0

    def __enter__(self) -> StepProgress:
        import time

        self._started = time.perf_counter()
        if on_terminal():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
                                 TimeRemainingColumn(), console=__getattr__("err_console"), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.what, total=self.total)
        return self

    def __call__(self, step: str) -> None:
        import time

        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=min(self.done, self.total), description=f"{self.what}: {step}")
        else:
            click.echo(f"{self.what}: {step} ({min(self.done + 1, self.total)}/{self.total}, "
                       f"{time.perf_counter() - self._started:.1f} s)", err=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _source_docstring(spec: str) -> str:
    """The docstring of ``module:function`` read from the module's source, without importing it."""
    module, _, attr = spec.partition(":")
    found = importlib.util.find_spec(module)
    if found is None or not found.origin:
        return ""
    tree = ast.parse(Path(found.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == attr:
            return inspect.cleandoc(ast.get_docstring(node) or "")
    return ""


class LazyGroup(click.Group):
    """A group whose commands live in their own modules and are imported only when used,
    so ``lockstep --help`` stays fast and one broken optional part cannot break the rest."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` without importing each command's module: the summary is
        read from the command function's docstring in the source (what click would show)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, _source_docstring(self.lazy[name])))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.help or ""))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, click.Command(name, help=text).get_short_help_str(limit))
                                    for name, text in rows])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            cmd = getattr(importlib.import_module(module), attr)
            assert isinstance(cmd, click.Command)
            return cmd
        return super().get_command(ctx, cmd_name)
