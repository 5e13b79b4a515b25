"""Helpers the table-shaped adapters share: reading a CSV header for sniffing, reading rows with
meaningful line numbers, and turning cell strings into typed values with a precise reason when
they do not fit.

Why one place: every adapter must quarantine the same way ("column X: 'v' is not a date"), and
sniffing must treat BOMs, quoting and case in headers alike, or auto-detection drifts apart.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import base_name, open_text
from lockstep.ingest.guard import RecordProblem, TooLong, cap, limits, read_lines
from lockstep.ingest.normalize import WHITESPACE, re2_class
from lockstep.sql import identifier, literal

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class BadValue(RecordProblem):
    """A cell that does not fit its column; the message is the quarantine reason."""


def header_of(head: bytes) -> list[str]:
    """Column names of a CSV from its first bytes, lower-cased and stripped (BOM removed)."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first or first.lstrip().startswith(("{", "[")):
        return []
    try:
        row = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []
    return [key_of(c) for c in row]


def sql_text(name: str, cols: set[str]) -> str:
    """SQL for a CSV column as trimmed text, NULL when empty or when the file lacks the column
    (column orders and sets vary between releases of the same export)."""
    return f"nullif(trim({identifier(name)}), '')" if name in cols else "NULL::VARCHAR"


def key_of(column: str) -> str:
    """Header names compared case-, space- and BOM-insensitively: ``" Page Name\ufeff"`` -> ``page name``."""
    return re.sub(r"\s+", " ", column.replace("\ufeff", "").replace("\u00a0", " ")).strip().lower()


def csv_rows(path: Path, expected: str, required: set[str]) -> Iterator[tuple[int, dict[str, str], str]]:
    """Yield ``(line, row, raw)`` for each data row of a CSV; keys are :func:`key_of` headers.

    ``line`` is the physical line the record starts on (header = line 1), so a person can find it.
    Raises :class:`SourceError` naming the file when the header lacks a ``required`` column.
    A row with more cells than the header keeps the extra cells under key ``""`` (callers
    quarantine it); a row with fewer cells has missing keys.
    """
    limit = limits().max_record_bytes
    # The csv module's own bound on one (possibly multi-line, quoted) field; it is process-wide.
    csv.field_size_limit(max(limit, 1 << 17))
    oversized: dict[int, TooLong] = {}
    with open_text(path) as fh:
        reader = csv.reader(_bounded_lines(fh, limit, oversized))
        try:
            header = next(reader)
        except StopIteration:
            raise SourceError(f"'{path}' is empty; expected {expected}.") from None
        except csv.Error as exc:
            raise SourceError(f"'{path}' is not a readable CSV file ({exc}); expected {expected}.") from exc
        if oversized:
            raise SourceError(f"'{path}' has a header line longer than {limit:,} bytes; expected {expected}.")
        keys = [key_of(c) for c in header]
        missing = sorted(required - set(keys))
        if missing:
            raise SourceError(
                f"'{path}' is not {expected}: its header lacks the column(s) {', '.join(missing)} "
                f"(found: {', '.join(keys[:12])}{'...' if len(keys) > 12 else ''}). "
                "Name the right --format, or map the columns with --format table --map ..."
            )
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                too_big = "field larger than field limit" in str(exc)
                reason = (f"record is larger than the limit of {limit:,} bytes; not read. Raise the setting "
                          "max_record_bytes if such records are genuine." if too_big else f"csv error: {exc}")
                yield start, {"": reason}, ""
                start = reader.line_num + 1
                continue
            if oversized:
                # A physical line of this record was too long and was skipped unread.
                big = [n for n in oversized if start <= n <= reader.line_num]
                if big:
                    long_line = oversized[big[0]]
                    for n in big:
                        del oversized[n]
                    yield big[0], {"": long_line.reason(limit)}, cap(long_line.head)
                    start = reader.line_num + 1
                    continue
            raw = cells_text(cells)
            row = dict(zip(keys, cells, strict=False))
            if len(cells) > len(keys) or (len(cells) < len(keys) and cells):
                row[""] = f"row has {len(cells)} cells, the header has {len(keys)}"
            if cells:
                yield start, row, raw
            start = reader.line_num + 1


def _bounded_lines(fh: Any, limit: int, oversized: dict[int, TooLong]) -> Iterator[str]:
    """The lines of ``fh`` for the csv module; a line over ``limit`` is replaced by an empty line
    and noted in ``oversized`` (by line number), so it is never held in memory whole."""
    for number, line in read_lines(fh, limit):
        if isinstance(line, TooLong):
            oversized[number] = line
            yield "\n"
        else:
            yield line


def convert_rows(
    path: Path, expected: str, required: set[str], adapter: str,
    convert: Callable[[dict[str, str], int], Iterator[Any]], *, notes: list[str] | None = None,
) -> Iterator[Any]:
    """Run ``convert`` on each CSV row through the record guard: a row with surplus cells, a
    :class:`BadValue` or any other failure becomes a ``Quarantined`` record with its line and the
    reason, so one bad row never stops the file. Ids rounded by a spreadsheet (:class:`RoundedId`)
    are also summed up once per column in ``notes``."""
    from lockstep.model import Quarantined

    rows = 0
    rounded: dict[str, list[str]] = {}
    for line, row, raw in csv_rows(path, expected, required):
        rows += 1
        if row.get(""):
            yield Quarantined(str(path), line, cap(raw), row[""], adapter=adapter)
            continue
        items, exc = guard.attempt(lambda r=row, n=line: convert(r, n))  # type: ignore[misc]
        if exc is None:
            yield from items
            continue
        if isinstance(exc, RoundedId):
            rounded.setdefault(exc.column, []).append(exc.value)
        yield Quarantined(str(path), line, cap(raw), guard.reason_of(exc), adapter=adapter)
    if notes is not None:
        notes.extend(rounded_notes(rounded, rows))


def rounded_notes(rounded: dict[str, list[str]], rows: int) -> list[str]:
    """One summary note per id column a spreadsheet rounded (values by column, of ``rows`` read)."""
    out = []
    for column, values in rounded.items():
        share = "every value" if len(values) == rows else f"{len(values):,} of {rows:,} values"
        out.append(
            f"{share} of column {column} were rounded by a spreadsheet (e.g. {values[0]!r}); those rows "
            "are quarantined. Re-export the original file without opening it in a spreadsheet "
            "(or import the column as Text)"
        )
    return out


def cells_text(cells: list[str]) -> str:
    """A row's cells as one CSV line (the raw value kept in the quarantine)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


def is_csv_name(path: Path) -> bool:
    return base_name(path).endswith((".csv", ".tsv", ".txt"))


# -- typed values ------------------------------------------------------------------------------

#: Zone abbreviations that exports such as CrowdTangle's print after a time.
ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "IST": 5.5, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}
_ABBR = re.compile(r"^(.*\d)\s+([A-Za-z]{1,5})$")
_US_FORMATS = ("%m/%d/%y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M:%S")


def parse_time(value: str | None, column: str, *, epoch_ok: bool = True) -> tuple[datetime, bool]:
    """A cell as a naive UTC datetime and whether the source gave its zone.

    Accepts ISO 8601 with or without zone (``Z``, ``+02:00``), a trailing zone abbreviation
    (``2021-08-01 10:00:00 CEST``), US ``10/1/17 19:58`` and, where ``epoch_ok``, Unix epoch
    seconds or milliseconds. Raises :class:`BadValue` with the reason otherwise.
    """
    v = (value or "").strip()
    if not v:
        raise BadValue(f"column {column}: empty, a time is required")
    if epoch_ok and re.fullmatch(r"-?\d+(\.\d+)?", v):
        x = float(v)
        if abs(x) > 1e11:  # milliseconds
            x /= 1000.0
        try:
            return datetime(1970, 1, 1) + timedelta(seconds=x), True
        except OverflowError:
            raise BadValue(f"column {column}: {v!r} is out of range for a Unix time") from None
    offset = None
    m = _ABBR.match(v)
    if m and m.group(2).upper() in ZONES:
        v, offset = m.group(1), ZONES[m.group(2).upper()]
    elif m:
        raise BadValue(f"column {column}: unknown time zone {m.group(2)!r} in {value!r}")
    dt = None
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        for fmt in _US_FORMATS:
            try:
                dt = datetime.strptime(v, fmt)
                break
            except ValueError:
                continue
    if dt is None:
        raise BadValue(f"column {column}: {value!r} is not a date")
    if dt.tzinfo is not None:
        return dt.astimezone(UTC).replace(tzinfo=None), True
    if offset is not None:
        return dt - timedelta(hours=offset), True
    return dt, False


def parse_int(value: str | None, column: str) -> int | None:
    """A count cell: empty -> None; ``1,234`` and ``12.0`` accepted; anything else is refused
    (in a CSV a non-number in a count column usually means the row's cells have shifted)."""
    v = (value or "").strip().replace(",", "")
    if not v:
        return None
    try:
        return int(v)
    except ValueError:
        pass
    try:
        f = float(v)
    except ValueError:
        raise BadValue(f"column {column}: {value!r} is not a number") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise BadValue(f"column {column}: {value!r} is not a number")
    return int(f)


def parse_bool(value: str | None, column: str) -> bool | None:
    v = (value or "").strip().lower()
    if not v:
        return None
    if v in ("true", "1", "yes", "t", "y"):
        return True
    if v in ("false", "0", "no", "f", "n"):
        return False
    raise BadValue(f"column {column}: {value!r} is not true/false")


def parse_list(value: str | None) -> list[str]:
    """List-like cells: ``[foo, bar]``, ``['a', 'b']``, ``["a"]``, ``a;b`` or ``a b`` -> items."""
    v = (value or "").strip()
    if v.startswith("[") and v.endswith("]"):
        v = v[1:-1]
    if not v.strip():
        return []
    parts = re.split(r"[,;]" if re.search(r"[,;]", v) else r"\s+", v)
    out = [p.strip().strip("'\"").strip() for p in parts]
    return [p for p in out if p]


class RoundedId(BadValue):
    """An id cell in scientific notation (``7.94976E+17``): a spreadsheet rounded it."""

    def __init__(self, column: str, value: str) -> None:
        super().__init__(
            f"column {column}: {value!r} is an id rounded by a spreadsheet (scientific notation): its last "
            "digits are lost, and ids rounded alike would merge distinct posts as duplicates. Re-export the "
            "original file without opening it in a spreadsheet (or import the column as Text)."
        )
        self.column = column
        self.value = value


_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")


def key_id(value: str | None, column: str) -> str | None:
    """A key id cell (a post's or account's own id) as :func:`clean_id`; one in scientific notation
    is refused with :class:`RoundedId` (a rounded key would merge or mislabel records)."""
    v = clean_id(value)
    if v is not None and _SCIENTIFIC.fullmatch(v):
        raise RoundedId(column, v)
    return v


def clean_id(value: str | None) -> str | None:
    """An id cell: stripped, ``12.0`` float artefacts removed, empty/``nan``/``None`` -> None."""
    v = (value or "").strip()
    if not v or v.lower() in ("nan", "none", "null"):
        return None
    if re.fullmatch(r"\d+\.0", v):
        v = v[:-2]
    return v


def text_or_none(value: str | None) -> str | None:
    v = value if value is None else value.strip()
    return v or None


# -- SQL twins (DuckDB) of the cell readers above, for the columnar readers ---------------------
#
# Python is the definition; ``tests/ingest/test_normalize_twins.py`` holds each twin equal to it
# on generated cells. A twin only covers the cells it can read exactly; the columnar readers send
# every other row through the Python functions above (see ``twitter_io_columnar``).

_SQL_WS_RUN = f"[{re2_class(WHITESPACE)}]+"
_SQL_EDGE_WS = f"^{_SQL_WS_RUN}|{_SQL_WS_RUN}$"


def strip_sql(expr: str) -> str:
    """SQL twin of ``str.strip()`` (every Unicode whitespace character, as Python counts it; NULL
    stays NULL). The regex runs only where the first or last character is whitespace."""
    edge = f"contains({literal(WHITESPACE)}, left({expr}, 1)) OR contains({literal(WHITESPACE)}, right({expr}, 1))"
    return (f"CASE WHEN {expr} = '' THEN {expr} WHEN {edge} "
            f"THEN regexp_replace({expr}, {literal(_SQL_EDGE_WS)}, '', 'g') ELSE {expr} END")


def text_or_none_sql(expr: str) -> str:
    """SQL twin of :func:`text_or_none`."""
    return f"nullif({strip_sql(expr)}, '')"


def _let(value: str, var: str, body: str) -> str:
    """``body`` with ``var`` bound to ``value`` (evaluated once), without a correlated subquery."""
    return f"list_transform([{value}], {var} -> {body})[1]"


def clean_id_sql(expr: str) -> str:
    """SQL twin of :func:`clean_id` for ASCII cells (Python's ``\\d`` also takes other digits)."""
    return _let(text_or_none_sql(expr), "v", "CASE WHEN lower(v) IN ('nan', 'none', 'null') THEN NULL "
                "WHEN regexp_full_match(v, '[0-9]+\\.0') THEN left(v, -2) ELSE v END")


def list_cell_sql(expr: str) -> tuple[str, str]:
    """SQL twin of :func:`parse_list` for the shapes exports print: ``[a, b]``, ``['a', 'b']``,
    ``[]`` or empty, items without quotes, brackets, separators or whitespace inside.

    Returns ``(test, value)``: true where the cell has such a shape, and its items there (callers
    read other cells with :func:`parse_list`). Plain string splits: no lambda, no per-item regex."""
    test = (f"(coalesce({expr}, '') IN ('', '[]') OR regexp_full_match({expr}, {literal(_LIST_PLAIN)}) "
            f"OR regexp_full_match({expr}, {literal(_LIST_QUOTED)}))")
    value = (f"CASE WHEN coalesce({expr}, '') IN ('', '[]') THEN []::VARCHAR[] "
             f"WHEN starts_with({expr}, {literal(chr(91) + chr(39))}) "
             f"THEN string_split(({expr})[3:-3], {literal(chr(39) + ', ' + chr(39))}) "
             f"ELSE string_split(({expr})[2:-2], ', ') END")
    return test, value


_ITEM = "[^" + re2_class(WHITESPACE) + "'\",;\\[\\]]+"
_LIST_PLAIN = f"\\[{_ITEM}(?:, {_ITEM})*\\]"
_LIST_QUOTED = f"\\['{_ITEM}'(?:, '{_ITEM}')*\\]"
