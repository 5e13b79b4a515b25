"""Which committed fixture exercises which adapter, found by content detection so that
adapters added later are picked up without editing this file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lockstep.errors import SourceError
from lockstep.ingest.pipeline import detect_format
from tests.conftest import DATA

_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".parquet", ".gz", ".zst"}


@cache
def fixtures_by_adapter() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in _SUFFIXES or path.stat().st_size > 200_000:
            continue
        if "hostile" in path.relative_to(DATA).parts:  # the fuzz corpus, not examples of a format
            continue
        try:
            name = detect_format(path)
        except SourceError:
            continue
        out.setdefault(name, []).append(path)
    return out
