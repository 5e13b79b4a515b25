"""The record guard every adapter goes through, and the limits that keep one file's memory bounded.

Why one module: a hostile or broken export must cost the user one quarantine row per bad record,
never the run. Before this guard each adapter caught its own list of exception types, and a
record of an unexpected shape (``includes`` as a list, ``entities`` as a string, JSON nested
10,000 deep, a lone surrogate) escaped as a traceback and the files after it were never read.
Now:

* :func:`convert` runs one record's conversion and turns *any* failure into a ``Quarantined``
  row (file, line, reason, raw value capped at :data:`RAW_CAP` characters);
* :func:`read_lines` reads text lines with a bound: a line longer than ``max_record_bytes`` is
  skipped in chunks (never held whole) and quarantined with its line number;
* :class:`ExpansionGuard` wraps a decompressor and stops a file that expands more than
  ``max_expansion_ratio`` times (a decompression bomb) with a clear :class:`InputLimitError`;
* :func:`loads` parses one JSON record strictly (orjson: no lone surrogates, no NaN, at most
  1,024 levels deep), so such records are refused with a reason instead of failing later.

The limits come from :class:`Limits`; the pipeline sets them for the duration of one file
(:func:`using`), so adapters, including plug-ins, need no extra parameter.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from lockstep.config import DEFAULT_MAX_EXPANSION_RATIO, DEFAULT_MAX_RECORD_BYTES
from lockstep.errors import LockstepError, SourceError

#: Characters of a refused record's raw value kept in the quarantine.
RAW_CAP = 10_000
#: Decompressed bytes a file may always produce before the ratio is checked (small files with a
#: tiny compressed size would otherwise trip it on honest content).
RATIO_GRACE_BYTES = 64 * 1024 * 1024


class RecordProblem(ValueError):
    """A record that cannot be read, raised on purpose: the message is the quarantine reason."""


class InputLimitError(SourceError):
    """An input exceeds a configured limit (decompression ratio); the message names the setting."""


@dataclass(frozen=True)
class Limits:
    """Per-record and per-file bounds (settings ``max_record_bytes``, ``max_expansion_ratio``)."""

    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_expansion_ratio: int = DEFAULT_MAX_EXPANSION_RATIO


_DEFAULT = Limits()
_LIMITS: ContextVar[Limits | None] = ContextVar("lockstep_ingest_limits", default=None)


def limits() -> Limits:
    """The limits in force (set by the pipeline for the file being read; else the defaults)."""
    return _LIMITS.get() or _DEFAULT


@contextmanager
def using(value: Limits) -> Iterator[None]:
    token = _LIMITS.set(value)
    try:
        yield
    finally:
        _LIMITS.reset(token)


def cap(raw: str | None) -> str:
    """A raw value as kept in the quarantine: at most :data:`RAW_CAP` characters."""
    if not raw:
        return ""
    return raw if len(raw) <= RAW_CAP else raw[:RAW_CAP] + f"... [{len(raw) - RAW_CAP:,} more characters]"


def reason_of(exc: BaseException) -> str:
    """The quarantine reason for a failure while converting one record."""
    if isinstance(exc, RecursionError):
        return "the record is nested too deeply to read"
    if isinstance(exc, UnicodeError):
        return f"the record holds text that is not valid Unicode ({exc})"
    if isinstance(exc, RecordProblem | LockstepError):  # raised on purpose: says what is wrong
        return str(exc)
    return f"the record does not have the expected shape ({type(exc).__name__}: {str(exc)[:200]})"


def attempt(make: Callable[[], Iterable[Any] | None]) -> tuple[list[Any], Exception | None]:
    """Run one record's conversion: ``(items, None)``, or ``([], the failure)``.

    The items are collected first, so a record that fails half-way yields nothing. A
    :class:`SourceError` is about the whole file and passes through."""
    try:
        return list(make() or ()), None
    except SourceError:
        raise
    except Exception as exc:
        return [], exc


def convert(
    make: Callable[[], Iterable[Any] | None], *, path: Path | str, line: int | None,
    raw: str | Callable[[], str], adapter: str,
) -> list[Any]:
    """:func:`attempt`, with a failure turned into one ``Quarantined`` row (reason, capped raw).
    ``raw`` may be a callable, serialized only when the record is refused."""
    from lockstep.model import Quarantined

    items, exc = attempt(make)
    if exc is None:
        return items
    text = raw() if callable(raw) else raw
    return [Quarantined(str(path), line, cap(text), reason_of(exc), adapter=adapter)]


def raw_json(value: Any) -> str:
    """A parsed value as text for the quarantine (never fails: odd values become their repr)."""
    try:
        return orjson.dumps(value, default=str).decode()[: RAW_CAP + 1]
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)[: RAW_CAP + 1]


def loads(text: str | bytes) -> Any:
    """One JSON record, strictly. Raises ``ValueError`` with a reason a person can act on."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        msg = str(exc)
        if "recursion" in msg.lower() or "depth limit" in msg.lower():
            raise ValueError("not readable JSON: nested more than 1,024 levels deep") from None
        if "surrogate" in msg.lower():
            raise ValueError(f"not readable JSON: a lone UTF-16 surrogate escape ({msg})") from None
        raise ValueError(f"not valid JSON (truncated or corrupt?): {msg}") from None


class TooLong:
    """Stand-in for a line longer than the record limit (its size, not its content)."""

    __slots__ = ("head", "size")

    def __init__(self, size: int, head: str) -> None:
        self.size = size
        self.head = head

    def reason(self, limit: int) -> str:
        return (f"record is larger than the limit of {limit:,} bytes ({self.size:,} characters or more); "
                "not read. Raise the setting max_record_bytes if such records are genuine.")


def read_lines(fh: IO[str], limit: int | None = None) -> Iterator[tuple[int, str | TooLong]]:
    """``(line number, line)`` for each line of a text handle; a line over ``limit`` characters
    is read past in chunks and given as :class:`TooLong`, so memory stays within the limit."""
    limit = limits().max_record_bytes if limit is None else limit
    readline = fh.readline
    size = limit + 1
    number = 0
    for line in iter(lambda: readline(size), ""):
        number += 1
        if len(line) <= limit or line[-1] in "\r\n":
            yield number, line
            continue
        total, head = len(line), line[:RAW_CAP]
        del line
        while True:
            rest = readline(1 << 20)
            total += len(rest)
            if not rest or rest[-1] in "\r\n":
                break
        yield number, TooLong(total, head)


class ExpansionGuard(io.RawIOBase):
    """A decompressing stream that refuses to expand more than ``ratio`` times its compressed
    input (after :data:`RATIO_GRACE_BYTES`), raising :class:`InputLimitError` naming the file."""

    def __init__(self, inner: IO[bytes], compressed: IO[bytes], *, path: Path, ratio: int) -> None:
        super().__init__()
        self._inner = inner
        self._compressed = compressed
        self._path = path
        self._ratio = ratio
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.out += n
        if self.out > RATIO_GRACE_BYTES:
            consumed = max(self._compressed.tell(), 1)
            if self.out > self._ratio * consumed:
                raise InputLimitError(
                    f"'{self._path}' expands more than {self._ratio:,} times when decompressed "
                    f"({consumed:,} compressed bytes gave {self.out:,} bytes so far): reading stopped, "
                    "it looks like a decompression bomb. If the file is genuine, raise the setting "
                    "max_expansion_ratio."
                )
        return n

    def close(self) -> None:
        try:
            self._inner.close()
            self._compressed.close()
        finally:
            super().close()


class RecordBudget:
    """A binary reader for streamed JSON (ijson) that refuses to read more than ``limit`` bytes
    between two calls of :meth:`mark` (one record), so one huge array element cannot fill memory."""

    def __init__(self, fh: IO[bytes], limit: int | None = None) -> None:
        self._fh = fh
        self.limit = limits().max_record_bytes if limit is None else limit
        self._since = 0

    def mark(self) -> None:
        self._since = 0

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n if n is not None and n >= 0 else 1 << 20)
        self._since += len(data)
        # ijson reads ahead by its buffer (64 KiB); allow for it.
        if self._since > self.limit + (1 << 17):
            raise RecordTooLarge(
                f"a record is larger than the limit of {self.limit:,} bytes; the rest of the file was not "
                "read. Raise the setting max_record_bytes if such records are genuine."
            )
        return data


class RecordTooLarge(ValueError):
    """A streamed record exceeds ``max_record_bytes``."""
