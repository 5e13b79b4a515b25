"""Write a generated dataset as Lockstep's own format, plus ``truth.csv`` and ``manifest.json``.

Parquet is written with pyarrow, chunk by chunk, timestamps as naive microseconds in UTC (what
``ingest/lockstep_native.py`` reads as UTC). CSV and JSONL hold list columns as JSON arrays.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockstep.errors import ConfigError
from lockstep.synth.generate import SynthData

log = logging.getLogger(__name__)
FORMATS = ("parquet", "csv", "jsonl")
_LISTS = ("urls", "domains", "hashtags", "mentions", "media_hashes")


class _Sink:
    """One output file written chunk by chunk in the chosen format."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self._pq: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._fh: Any = None
        self._con = duckdb.connect() if fmt != "parquet" else None

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._pq.write_table(table, row_group_size=250_000)
            return
        assert self._con is not None
        self._con.register("chunk", table)
        if self.fmt == "csv":
            lists = [c for c in _LISTS if c in table.column_names]
            repl = f" REPLACE ({', '.join(f'to_json({c})::VARCHAR AS {c}' for c in lists)})" if lists else ""
            out = self._con.sql(f"SELECT *{repl} FROM chunk").to_arrow_table()
            if self._csv is None:
                self._csv = pacsv.CSVWriter(self.path, out.schema)
            self._csv.write_table(out)
        else:
            lines = self._con.sql("SELECT to_json(c)::VARCHAR FROM chunk c").to_arrow_table().column(0)
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
            self._fh.write("\n".join(lines.to_pylist()) + "\n")
        self._con.unregister("chunk")

    def close(self) -> None:
        for obj in (self._pq, self._csv, self._fh, self._con):
            if obj is not None:
                obj.close()


def write_dataset(data: SynthData, out: Path, fmt: str = "parquet", chunk: int = 500_000) -> dict[str, Path]:
    """Write posts, accounts, truth and manifest into ``out``; returns the paths written."""
    if fmt not in FORMATS:
        raise ConfigError(f"Unknown --format {fmt!r}: expected one of {', '.join(FORMATS)}.")
    out.mkdir(parents=True, exist_ok=True)
    ext = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}[fmt]
    paths = {"posts": out / f"posts.{ext}", "accounts": out / f"accounts.{ext}",
             "truth": out / "truth.csv", "manifest": out / "manifest.json"}
    sink = _Sink(paths["posts"], fmt)
    try:
        for i, table in enumerate(data.post_chunks(chunk)):
            log.info("writing posts chunk %d (%d rows)", i, table.num_rows)
            sink.write(table)
    finally:
        sink.close()
    sink = _Sink(paths["accounts"], fmt)
    try:
        sink.write(data.accounts)
    finally:
        sink.close()
    pacsv.write_csv(data.truth, paths["truth"])
    manifest = dict(data.manifest)
    manifest["files"] = {k: v.name for k, v in paths.items()}
    manifest["format"] = fmt
    paths["manifest"].write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return paths
