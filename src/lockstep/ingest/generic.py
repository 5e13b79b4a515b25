"""Any CSV, JSONL or Parquet table, read through a column mapping the user gives:
``--format table --map text=message,time=created,account_id=user,post_id=id``.

Mapping keys are Lockstep post fields (``docs/formats.md`` lists them); values are source
columns (CSV: matched case- and space-insensitively; JSON: keys, dotted for nesting, e.g.
``user.id``). ``account_id`` and ``time`` must be mapped. Without ``post_id`` the id is a
content hash of (account, time, text), so re-ingesting adds nothing and repeated identical rows
count as duplicates. ``platform`` comes from a mapped column, else ``--platform``, else the file
is refused with a message saying so. Times are parsed flexibly: ISO 8601 with or without zone
(no zone: read as UTC, ``time_zone_known = False``), zone abbreviations, epoch seconds or ms.
List fields accept JSON lists or list-like strings (``[a, b]``, ``a;b``).

This adapter never guesses: its ``sniff`` answers 0, so it is used only when named.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import Item, ReadOptions, base_name, open_text, read_head
from lockstep.ingest.guard import cap
from lockstep.ingest.normalize import content_id
from lockstep.ingest.tabular import BadValue, clean_id, csv_rows, key_of, parse_list, parse_time
from lockstep.model import POST_FIELDS, Post, Quarantined

_LISTS = {"urls", "domains", "hashtags", "mentions", "media_hashes"}
_FROM_TEXT = {"urls", "hashtags", "mentions"}
_NOT_MAPPABLE = {"dataset", "time_zone_known", "source_file", "source_line"}


def _get(record: dict[str, Any], key: str) -> Any:
    if key in record:
        return record[key]
    cur: Any = record
    for part in key.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


class MappedTable:
    """A plain table read through ``--map FIELD=COLUMN`` pairs."""

    name: ClassVar[str] = "table"
    description: ClassVar[str] = "any CSV/JSONL/Parquet table with a column mapping (--map text=COL,time=COL,...)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        return 0.0  # needs a mapping; never chosen by guessing

    def _check_mapping(self) -> dict[str, str]:
        m = dict(self.options.mapping)
        unknown = sorted(set(m) - (set(POST_FIELDS) - _NOT_MAPPABLE))
        if unknown:
            raise SourceError(
                f"--map names unknown field(s) {', '.join(unknown)}. Mappable fields: "
                f"{', '.join(f for f in POST_FIELDS if f not in _NOT_MAPPABLE)}."
            )
        missing = [f for f in ("account_id", "time") if f not in m]
        if missing:
            raise SourceError(
                f"The 'table' format needs --map for {', '.join(missing)} (e.g. --map account_id=user,time=created) "
                f"to read '{self.path}'."
            )
        if "platform" not in m and not self.options.platform:
            raise SourceError(
                f"'{self.path}' has no mapped platform column: pass --platform NAME (e.g. --platform facebook) "
                "or map one with --map platform=COLUMN."
            )
        return m

    def read(self) -> Iterator[Item]:
        mapping = self._check_mapping()
        for line, record, raw in self._records(mapping):
            if record.get("") and isinstance(record[""], str):
                yield Quarantined(str(self.path), line, cap(raw), record[""], adapter=self.name)
                continue
            yield from guard.convert(lambda r=record, n=line: [self._post(r, mapping, n)], path=self.path,  # type: ignore[misc]
                                     line=line, raw=raw, adapter=self.name)

    def _records(self, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, Any], str]]:
        head = read_head(self.path, 4096)
        name = base_name(self.path)
        if head[:4] == b"PAR1" or name.endswith(".parquet"):
            yield from self._parquet()
        elif head.lstrip()[:1] in (b"{", b"["):
            yield from self._jsonl()
        else:
            keyed = {k: key_of(v) for k, v in mapping.items()}
            cols = {v for v in keyed.values()}
            for line, row, raw in csv_rows(self.path, "a CSV table with the mapped columns", cols):
                rec: dict[str, Any] = {mapping[k]: row.get(v) for k, v in keyed.items()}
                rec[""] = row.get("")
                yield line, rec, raw

    def _parquet(self) -> Iterator[tuple[int, dict[str, Any], str]]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(self.path)
        except Exception as exc:
            raise SourceError(f"'{self.path}' is not a readable Parquet file ({exc}).") from exc
        n = 0
        for batch in pf.iter_batches(batch_size=10_000):
            for rec in batch.to_pylist():
                n += 1
                yield n, rec, json.dumps(rec, default=str)[:10_000]

    def _jsonl(self) -> Iterator[tuple[int, dict[str, Any], str]]:
        limit = guard.limits().max_record_bytes
        with open_text(self.path) as fh:
            for n, line in guard.read_lines(fh, limit):
                if isinstance(line, guard.TooLong):
                    yield n, {"": line.reason(limit)}, line.head
                    continue
                if not line.strip():
                    continue
                try:
                    rec = guard.loads(line)
                except ValueError as exc:
                    rec = {"": f"line {n}: {exc}"}
                if not isinstance(rec, dict):
                    rec = {"": f"line {n}: JSON value is not an object"}
                yield n, rec, line.rstrip("\r\n")

    def _post(self, rec: dict[str, Any], mapping: dict[str, str], line: int) -> Post:
        def value(f: str) -> Any:
            return _get(rec, mapping[f]) if f in mapping else None

        def text(f: str) -> str | None:
            v = value(f)
            return None if v is None or v == "" else str(v)

        account = clean_id(text("account_id"))
        if not account:
            raise BadValue(f"column {mapping['account_id']}: empty, every post needs an account id")
        raw_time = value("time")
        if hasattr(raw_time, "isoformat"):
            raw_time = raw_time.isoformat()
        time, zone_known = parse_time(None if raw_time is None else str(raw_time), mapping["time"])
        platform = text("platform") or self.options.platform
        if not platform:
            raise BadValue(f"column {mapping.get('platform')}: empty, and no --platform was given")
        body = text("text")
        post_id = clean_id(text("post_id")) if "post_id" in mapping else None
        if "post_id" in mapping and not post_id:
            raise BadValue(f"column {mapping['post_id']}: empty, every post needs an id")
        fields: dict[str, Any] = {}
        for f in mapping:
            if f in ("account_id", "time", "platform", "post_id", "text"):
                continue
            v = value(f)
            if f in _LISTS:
                items = [str(x) for x in v] if isinstance(v, list) else parse_list(None if v is None else str(v))
                # An empty urls/hashtags/mentions cell: read them from the text (the pipeline does).
                fields[f] = items if items or f not in _FROM_TEXT else None
            else:
                fields[f] = None if v is None or v == "" else str(v)
        return Post(
            platform=platform, post_id=post_id or content_id(account, time.isoformat(), body), account_id=account,
            time=time, time_zone_known=zone_known, text=body, source_file=str(self.path), source_line=line, **fields,
        )
