"""Fast columnar CSV reading for big exports: Arrow's streaming CSV reader, every cell kept as text,
each row tagged with its record number, rows Arrow cannot split (wrong cell count) or decode
(bytes that are not UTF-8) handed back for quarantine instead of failing the file.

Why not DuckDB's ``read_csv`` here: its parallel scan does not say which line a row came from,
and the quarantine must. Arrow's serial reader reports the number of every refused row, from
which the numbers of the accepted rows follow.

Record numbers count the header as 1; they equal physical line numbers unless an earlier cell
holds a line break. With ``physical_lines`` the line breaks inside cells are counted (vectorized)
and each row gets the physical line it starts on, as the row-by-row reader (``tabular.csv_rows``)
numbers it, so a person finds the row in an editor; this holds unless the file has blank lines
between records.

The next block is read and parsed in a helper thread while the caller works on the current one
(decompression, Arrow's parser and DuckDB all release the GIL), so on two cores reading overlaps
conversion; blocks still come one at a time and in order.
"""

from __future__ import annotations

import contextvars
import csv
import io
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import open_binary, open_text, read_head
from lockstep.ingest.tabular import header_of, key_of
from lockstep.model import Quarantined

BLOCK_BYTES = 16 << 20


_END = object()


def read_batches(
    path: Path, *, expected: str, required: set[str], adapter: str, physical_lines: bool = False,
    replace_bad_utf8: bool = False,
) -> Iterator[tuple[pa.Table, list[Quarantined]]]:
    """Yield ``(table, quarantined)`` per block: string columns named by :func:`key_of` plus
    ``_line`` (int64), and the rows of that block that could not be read.

    ``replace_bad_utf8`` reads bytes that are not UTF-8 as U+FFFD (as a text file opened with
    ``errors="replace"`` does) instead of quarantining their row."""
    blocks = _read_blocks(path, expected=expected, required=required, adapter=adapter,
                          physical_lines=physical_lines, replace_bad_utf8=replace_bad_utf8)
    first = next(blocks, _END)  # header problems are raised here, in the caller's thread
    if first is _END:
        return
    try:
        # The helper thread reads with the caller's settings (the ingest limits are context variables).
        ctx = contextvars.copy_context()

        def step() -> object:
            return ctx.run(next, blocks, _END)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lockstep-csv") as pool:
            ahead = pool.submit(step)
            yield first  # type: ignore[misc]
            while (item := ahead.result()) is not _END:
                ahead = pool.submit(step)
                yield item  # type: ignore[misc]
    finally:
        blocks.close()


def _read_blocks(
    path: Path, *, expected: str, required: set[str], adapter: str, physical_lines: bool,
    replace_bad_utf8: bool,
) -> Generator[tuple[pa.Table, list[Quarantined]], None, None]:
    head = read_head(path)
    keys = header_of(head)
    missing = sorted(required - set(keys))
    if not keys or missing:
        raise SourceError(
            f"'{path}' is not {expected}: its header lacks the column(s) {', '.join(missing)} "
            f"(found: {', '.join(keys[:12]) or 'no CSV header'}). Name the right --format, "
            "or map the columns with --format table --map ..."
        )
    raw_header = _raw_header(head, path, expected)
    bad: list[tuple[int, str, str]] = []

    def on_invalid(row: pcsv.InvalidRow) -> str:
        bad.append((int(row.number or 0), row.text, f"row has {row.actual_columns} cells, the header has "
                    f"{row.expected_columns}"))
        return "skip"

    fh = open_binary(path)
    try:
        reader = pcsv.open_csv(
            fh,
            read_options=pcsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False,
                                          column_names=raw_header, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(raw_header, pa.binary()),
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        fh.close()
        raise SourceError(f"'{path}' cannot be read as CSV ({exc}); expected {expected}.") from exc
    start = 2  # record number of the next row (header is 1)
    shift = 0  # line breaks inside the cells of the rows before (physical_lines)
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid:
                # E.g. a record larger than a block, or an unterminated quote: read the rest with
                # the csv module, which refuses such a record alone and goes on after it.
                yield from _rest_by_rows(path, start, raw_header, keys, adapter, physical_lines)
                bad = []
                break
            except (OSError, EOFError) as exc:
                # A truncated archive: keep what was read, and say where and why the rest could not be.
                yield pa.table({}), [Quarantined(
                    str(path), start, "", f"CSV cannot be read from record {start} on: {exc}", adapter=adapter)]
                break
            n = batch.num_rows
            bad.sort()
            k = 0
            while k < len(bad) and bad[k][0] <= start + n + k - 1:
                k += 1
            mine, bad = bad[:k], bad[k:]
            numbers = np.arange(start, start + n + k, dtype=np.int64)
            if k:
                numbers = numbers[~np.isin(numbers, [b[0] for b in mine])]
            start += n + k
            table = pa.Table.from_batches([batch])
            bad_numbers = np.array([b[0] for b in mine], dtype=np.int64)
            if physical_lines:
                numbers, bad_numbers, shift = _physical(table, numbers, mine, bad_numbers, shift)
            quarantined = [
                Quarantined(source_file=str(path), line=int(num), raw=text, reason=reason, adapter=adapter)
                for num, (_, text, reason) in zip(bad_numbers.tolist(), mine, strict=True)
            ]
            table, more = _decode(table, numbers, keys, path, adapter, replace_bad_utf8)
            yield table, quarantined + more
        for num, text, reason in bad:
            yield pa.table({}), [Quarantined(str(path), num + shift, text, reason, adapter=adapter)]
    finally:
        fh.close()


def _breaks(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Line breaks in each value as a line reader counts them (``\\r\\n``, ``\\r`` or ``\\n``)."""
    n = pc.fill_null(pc.count_substring(values, "\n"), 0).to_numpy()
    r = pc.fill_null(pc.count_substring(values, "\r"), 0).to_numpy()
    if r.any():
        n = n + r - pc.fill_null(pc.count_substring(values, "\r\n"), 0).to_numpy()
    return n.astype(np.int64)


def _physical(table: pa.Table, numbers: np.ndarray, mine: list[tuple[int, str, str]], bad_numbers: np.ndarray,
              shift: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Record numbers -> the physical lines the records start on, given the line breaks inside
    the cells of every record before (``shift`` carries them from block to block)."""
    rows = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        rows += _breaks(col)
    bad = _breaks(pa.array([b[1] for b in mine], pa.string())) if mine else np.zeros(0, dtype=np.int64)
    every = np.concatenate([numbers, bad_numbers])
    breaks = np.concatenate([rows, bad])
    order = np.argsort(every, kind="stable")
    before = np.empty_like(every)
    before[order] = shift + np.cumsum(breaks[order]) - breaks[order]
    lines = every + before
    return lines[: len(numbers)], lines[len(numbers):], shift + int(breaks.sum())


def _rest_by_rows(
    path: Path, start: int, raw_header: list[str], keys: list[str], adapter: str, physical_lines: bool = False,
) -> Iterator[tuple[pa.Table, list[Quarantined]]]:
    """Records ``start`` onwards, read row by row with bounded lines (slow, but only after Arrow
    gave up on a block). Record numbers continue Arrow's: the header is 1, each record one more."""
    limit = guard.limits().max_record_bytes
    csv.field_size_limit(max(limit, 1 << 17))
    width = len(raw_header)
    names = list(dict.fromkeys(keys))
    rows: list[list[str]] = []
    numbers: list[int] = []
    problems: list[Quarantined] = []
    oversized: dict[int, guard.TooLong] = {}

    def lines() -> Iterator[str]:
        with open_text(path) as fh:
            for number, line in guard.read_lines(fh, limit):
                if isinstance(line, guard.TooLong):
                    oversized[number] = line
                    yield "\x00\n"  # a record of its own, refused below
                else:
                    yield line

    reader = csv.reader(lines())
    record = 0
    while True:
        at = reader.line_num + 1  # the physical line this record starts on
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            record += 1
            if record >= start:
                num = at if physical_lines else record
                reason = (f"record is larger than the limit of {limit:,} bytes; not read. Raise the setting "
                          "max_record_bytes if such records are genuine."
                          if "field larger than field limit" in str(exc) else f"csv error: {exc}")
                problems.append(Quarantined(str(path), num, "", reason, adapter=adapter))
            continue
        if not cells or cells == [""]:
            continue  # blank lines are not records (as for Arrow)
        record += 1
        if record < start:
            oversized.clear()
            continue
        num = at if physical_lines else record
        if oversized:
            long_line = next(iter(oversized.values()))
            oversized.clear()
            problems.append(Quarantined(str(path), num, guard.cap(long_line.head), long_line.reason(limit),
                                        adapter=adapter))
            continue
        if len(cells) != width:
            problems.append(Quarantined(str(path), num, guard.cap(",".join(cells)),
                                        f"row has {len(cells)} cells, the header has {width}", adapter=adapter))
            continue
        rows.append(cells)
        numbers.append(num)
        if len(rows) >= 50_000:
            yield _row_table(rows, numbers, keys, names), problems
            rows, numbers, problems = [], [], []
    yield _row_table(rows, numbers, keys, names), problems


def _row_table(rows: list[list[str]], numbers: list[int], keys: list[str], names: list[str]) -> pa.Table:
    """Rows of cells as a table like :func:`_decode` gives (first column of each key name)."""
    first = {k: keys.index(k) for k in names}
    cols = {k: pa.array([r[i] for r in rows], pa.string()) for k, i in first.items()}
    cols["_line"] = pa.array(numbers, pa.int64())
    return pa.table(cols)


def _raw_header(head: bytes, path: Path, expected: str) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(head.decode("utf-8", "replace"), newline="")))
    except (csv.Error, StopIteration) as exc:
        raise SourceError(f"'{path}' has no readable CSV header ({exc}); expected {expected}.") from None
    # Arrow needs distinct names; a repeated header keeps its first column.
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}__{seen[n]}")
    return out


def _decode(
    table: pa.Table, numbers: np.ndarray, keys: list[str], path: Path, adapter: str, replace_bad_utf8: bool = False,
) -> tuple[pa.Table, list[Quarantined]]:
    """Binary columns -> UTF-8 strings; rows holding undecodable bytes are quarantined (or, with
    ``replace_bad_utf8``, those bytes read as U+FFFD)."""
    cols: dict[str, pa.Array] = {}
    bad_rows: dict[int, str] = {}
    limit = guard.limits().max_record_bytes
    if table.num_rows and table.nbytes > limit:
        sizes = np.zeros(table.num_rows, dtype=np.int64)
        for col in table.columns:
            sizes += pc.fill_null(pc.binary_length(col), 0).to_numpy()
        for r in np.flatnonzero(sizes > limit).tolist():
            bad_rows[r] = (f"record is larger than the limit of {limit:,} bytes ({int(sizes[r]):,} bytes); "
                           "not read. Raise the setting max_record_bytes if such records are genuine.")
    for i, key in enumerate(keys):
        if key in cols or i >= table.num_columns:
            continue
        col = table.column(i)
        try:
            cols[key] = col.cast(pa.string())
        except pa.ArrowInvalid:
            if replace_bad_utf8:
                cols[key] = pa.array([None if v is None else v.decode("utf-8", "replace") for v in col.to_pylist()],
                                     pa.string())
                continue
            values = []
            for r, v in enumerate(col.to_pylist()):
                try:
                    values.append(v.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    bad_rows.setdefault(r, f"column {key}: bytes are not valid UTF-8 ({v[max(0, exc.start - 8):exc.end + 8]!r})")
                    values.append(None)
            cols[key] = pa.array(values, pa.string())
    cols["_line"] = pa.array(numbers, pa.int64())
    out = pa.table(cols)
    if not bad_rows:
        return out, []
    quarantined = []
    for r, reason in sorted(bad_rows.items()):
        raw = ",".join(v.decode("utf-8", "backslashreplace")[: guard.RAW_CAP] for v in table.slice(r, 1).to_pylist()[0].values())
        quarantined.append(Quarantined(str(path), int(numbers[r]), guard.cap(raw), reason, adapter=adapter))
    keep = np.ones(out.num_rows, dtype=bool)
    keep[list(bad_rows)] = False
    return out.filter(pc.equal(pa.array(keep), True)), quarantined


__all__ = ["key_of", "read_batches"]
