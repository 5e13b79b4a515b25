"""Shared reading of JSON sources: line-delimited records, streamed arrays, typed field access.

Why a module of its own: the Bluesky, Mastodon and Reddit adapters (and any JSON plug-in) must
treat bad input the same way. One unreadable record becomes one ``Quarantined`` row with its
line and a precise reason; a file none of whose first records is of the expected kind is
refused as a whole with a :class:`~lockstep.errors.SourceError` that names what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import Item, open_binary, open_text
from lockstep.ingest.guard import (
    RecordBudget,
    RecordProblem,
    TooLong,
    cap,
    limits,
    loads,
    raw_json,
    read_lines,
    reason_of,
)
from lockstep.model import Quarantined

#: How many records may fail to be recognized before a file is refused as "not this format".
RECOGNIZE_WITHIN = 50


class RecordError(RecordProblem):
    """One record of the expected kind cannot be read; the message is the quarantine reason."""


class NotRecognized(RecordError):
    """The record is not of the kind the adapter reads at all (it counts against the file)."""


def clean(value: str) -> str:
    """A string that UTF-8 can encode: lone surrogates (legal in JSON escapes) become U+FFFD,
    NUL characters are dropped, so one odd value cannot fail a whole batch in the store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value.replace("\x00", "") if "\x00" in value else value


def get_str(obj: dict[str, Any], key: str, *, required: bool = False, where: str = "") -> str | None:
    """A string field; numbers are accepted as their text (ids often come as either)."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"field '{where}{key}' is missing or empty")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(f"field '{where}{key}' should be a string, got {type(value).__name__}")
    return clean(str(value))


def get_int(obj: dict[str, Any], key: str, *, where: str = "") -> int | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"field '{where}{key}' should be an integer, got a boolean")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise RecordError(f"field '{where}{key}' should be an integer, got {value!r:.40}") from None
    if not -(2**63) <= number < 2**63:
        raise RecordError(f"field '{where}{key}' is out of range for a 64-bit integer: {value!r:.40}")
    return number


def get_dict(obj: dict[str, Any], key: str, *, where: str = "") -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"field '{where}{key}' should be an object, got {type(value).__name__}")
    return value


def get_list(obj: dict[str, Any], key: str, *, where: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"field '{where}{key}' should be a list, got {type(value).__name__}")
    return value


_MAX_TS = datetime(9999, 12, 31).timestamp()


def from_epoch(value: Any, *, field: str, scale: float = 1.0) -> datetime:
    """A naive UTC datetime from seconds (or ``scale`` units) since the epoch: int, float or text."""
    try:
        seconds = float(value) / scale
    except (TypeError, ValueError):
        raise RecordError(f"field '{field}' should be a Unix time, got {value!r:.40}") from None
    if not (-_MAX_TS < seconds < _MAX_TS) or seconds != seconds:
        raise RecordError(f"field '{field}' is out of range: {value!r:.40}")
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def from_iso(value: Any, *, field: str) -> tuple[datetime, bool]:
    """A naive UTC datetime from ISO 8601 text, and whether the text carried a zone."""
    if value is None or value == "":
        raise RecordError(f"field '{field}' is missing: every post needs a time")
    if not isinstance(value, str):
        raise RecordError(f"field '{field}' should be an ISO 8601 time, got {type(value).__name__}")
    try:
        t = datetime.fromisoformat(value.strip())
        if t.tzinfo is None:
            return t, False
        return t.astimezone(UTC).replace(tzinfo=None), True
    except (ValueError, OverflowError):
        raise RecordError(f"field '{field}' should be an ISO 8601 time, got {value!r:.60}") from None


def raw_text(obj: Any) -> str:
    """The raw value of a record for the quarantine (ASCII-safe, Decimals as numbers)."""
    return json.dumps(obj, ensure_ascii=True, default=str)[:10_000]


def first_char(path: Path) -> str:
    """The first non-blank character of a (possibly compressed) text file."""
    with open_text(path) as fh:
        while chunk := fh.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[0]
    return ""


def iter_json(path: Path, adapter: str, prefix: str | None = None) -> Iterator[tuple[int, Any, str] | Quarantined]:
    """``(record number, value, raw)`` for each record of a JSONL file or a top-level JSON array
    (or, with ``prefix``, of the array at that ijson path inside one document, e.g.
    ``orderedItems.item``).

    For JSONL the number is the line; for an array it is the element's position (1-based).
    Lines that are not JSON are yielded as ``Quarantined``; an array that breaks off ends with
    one ``Quarantined`` saying where.
    """
    if prefix is not None:
        yield from _iter_array(path, adapter, prefix)
        return
    if first_char(path) == "[":
        yield from _iter_array(path, adapter)
        return
    limit = limits().max_record_bytes
    with open_text(path) as fh:
        for lineno, line in read_lines(fh, limit):
            if isinstance(line, TooLong):
                yield Quarantined(str(path), lineno, cap(line.head), line.reason(limit), adapter=adapter)
                continue
            text = line.strip()
            if not text:
                continue
            try:
                value = loads(text)
            except ValueError as exc:
                yield Quarantined(str(path), lineno, cap(text), f"line is {exc}", adapter=adapter)
                continue
            yield lineno, value, text


def _iter_array(path: Path, adapter: str, prefix: str = "item") -> Iterator[tuple[int, Any, str] | Quarantined]:
    import ijson

    n = 0
    try:
        with open_binary(path) as fh:
            budget = RecordBudget(fh)
            for n, value in enumerate(ijson.items(budget, prefix, use_float=True), 1):
                budget.mark()
                yield n, value, raw_json(value)
    except (ijson.JSONError, ValueError, UnicodeDecodeError, OSError, EOFError, RecursionError) as exc:
        yield Quarantined(str(path), n + 1, "", f"the JSON array breaks off after record {n}: {reason_of(exc)}",
                          adapter=adapter)


def guarded(items: Iterable[tuple[Item | None, bool]], *, path: Path, expected: str) -> Iterator[Item]:
    """Pass items through, but refuse the file when none of its first records is recognized.

    ``items`` gives ``(item, recognized)``; ``item`` may be ``None`` for a recognized record that
    yields nothing (a counted skip). Items are held back until one record is recognized, so a
    refused file leaves nothing behind.
    """
    held: list[Item] = []
    seen = 0
    ok = False
    for item, recognized in items:
        if ok:
            if item is not None:
                yield item
            continue
        seen += 1
        if item is not None:
            held.append(item)
        if recognized:
            ok = True
            yield from held
            held = []
        elif seen >= RECOGNIZE_WITHIN:
            break
    if not ok:
        reasons = "; ".join(sorted({i.reason for i in held if isinstance(i, Quarantined)})[:3])
        if not seen:
            raise SourceError(f"'{path}' holds no records; expected {expected}.")
        raise SourceError(
            f"'{path}' does not look like {expected}: none of its first {seen} records is one"
            + (f" ({reasons})" if reasons else "")
            + ". Check the file, or name another --format (see `lockstep formats`)."
        )


def records(
    path: Path,
    adapter: str,
    parse: Callable[[dict[str, Any], int], Iterable[Item] | None],
    *,
    prefix: str | None = None,
) -> Iterator[tuple[Item | None, bool]]:
    """Run ``parse(record, number)`` over each JSON object of a file, turning failures into
    ``Quarantined`` with the reason. ``parse`` returns the items of a recognized record (an
    empty iterable or ``None`` for a counted skip) and raises :class:`RecordError` otherwise."""
    for entry in iter_json(path, adapter, prefix):
        if isinstance(entry, Quarantined):
            yield entry, False
            continue
        number, value, raw = entry
        if not isinstance(value, dict):
            yield Quarantined(str(path), number, raw[:10_000],
                              f"expected a JSON object, got {type(value).__name__}", adapter=adapter), False
            continue
        out, exc = guard.attempt(lambda v=value, n=number: parse(v, n))  # type: ignore[misc]
        if exc is not None:
            # A RecordError is a record of the expected kind with a bad value (it counts as
            # recognized); any other failure is a record of an unexpected shape.
            recognized = isinstance(exc, RecordError) and not isinstance(exc, NotRecognized)
            yield Quarantined(str(path), number, cap(raw), reason_of(exc), adapter=adapter), recognized
            continue
        if not out:
            yield None, True
        for item in out:
            yield item, True
