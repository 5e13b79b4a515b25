"""The FiveThirtyEight / Clemson (Linvill & Warren) IRA tweet CSVs, in both known layouts:

* the original 21 columns (``external_author_id, author, content, region, language, publish_date,
  ..., tweet_id, article_url, tco1_step1..``; dates like ``10/1/17 19:58``), and
* the 15-column per-author re-release (no tweet ids; dates like ``2016-07-01 00:00:00``).

Columns are read by name, so their order does not matter.

Keys, and why:

* **Account** = the ``author`` handle. ``external_author_id`` was rounded upstream (``9.06E+17``)
  and several accounts share one value, so it cannot be a key.
* **Post id** = the status id in ``article_url`` (``.../statuses/914580356430536707``) where the
  row has one; ``tweet_id`` only when it is an exact integer (the 538 file prints rounded floats).
  Otherwise a hash of the whole row, ``normalize.content_id(*cells)`` over every cell as written,
  in header order. Policy: only rows that repeat every cell get the same id, so only exact
  duplicates collapse into one post (counted as *duplicates* in the ingest summary); rows that
  share author, minute and text but differ elsewhere (e.g. the account's follower count when it
  was captured) are kept apart, since nothing in the data says they are one tweet.

Other fields: ``post_type`` (R retweet, Q quote) is not read: the data names no retweeted or
quoted tweet or account, and a retweet's text is a plain copy of the original's (in the 2016 H2
file 1,183 of 387,830 R rows begin with ``RT @user:``, which ingest's enrichment reads as the
reposted account, as for any source); so a retweet is stored as a post of its text.
``language`` (the tweet's language, per the upstream README) -> ``Post.language``;
``account_category`` -> ``Account.category``; ``region`` -> ``Account.location``;
``followers``/``following``/``updates`` -> counts. Times carry no zone: read as UTC with
``time_zone_known = False``.

Quarantined: rows with the wrong number of cells, undecodable bytes, no author, a
``publish_date`` that is not a date, or a non-number in a count column (a sign of shifted cells).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import duckdb
import numpy as np
import pyarrow as pa

from lockstep.ingest.arrowcsv import read_batches
from lockstep.ingest.base import Item, ReadOptions, TableBatch
from lockstep.ingest.tabular import header_of, sql_text
from lockstep.model import Quarantined
from lockstep.sql import identifier, literal

REQUIRED = {"author", "content", "publish_date"}
_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%m/%d/%y %H:%M', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S']"
_COUNTS = ("followers", "following", "updates")
_SCAN_ROWS = 16_384



class IRACsv:
    """IRA tweets in the FiveThirtyEight/Clemson CSV layouts."""

    name: ClassVar[str] = "ira_csv"
    description: ClassVar[str] = "FiveThirtyEight/Clemson IRA tweets CSV (21- or 15-column layout)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = set(header_of(head))
        if cols >= REQUIRED and ("account_category" in cols or "external_author_id" in cols):
            return 0.95
        return 0.6 if cols >= REQUIRED else 0.0

    def read(self) -> Iterator[Item]:
        con = duckdb.connect()
        try:
            for table, quarantined in read_batches(
                self.path, expected="a FiveThirtyEight/Clemson IRA tweets CSV", required=REQUIRED,
                adapter=self.name,
            ):
                yield from quarantined
                if table.num_rows:
                    yield from self._convert(con, table)
        finally:
            con.close()

    def _convert(self, con: duckdb.DuckDBPyConnection, table: pa.Table) -> Iterator[Item]:
        """One scan of the batch computes every value and the problem of each row; posts and
        accounts are then cut from that result (checks, dates and counts are parsed once)."""
        cols = set(table.column_names)
        platform = literal(self.options.platform or "twitter")
        c = {n: sql_text(n, cols) for n in (
            "author", "content", "publish_date", "region", "language", "account_category",
            "article_url", "tweet_id", *_COUNTS)}
        counts = ", ".join(f"{c[n]} AS _{n}_raw, TRY_CAST(TRY_CAST(_{n}_raw AS DOUBLE) AS BIGINT) AS _{n}"
                           for n in _COUNTS)
        checks = [
            "CASE WHEN _author IS NULL THEN 'column author: empty, the account handle is required' END",
            "CASE WHEN _date IS NULL THEN 'column publish_date: empty, a time is required' "
            "WHEN _time IS NULL THEN 'column publish_date: ''' || _date || ''' is not a date' END",
        ] + [
            f"CASE WHEN _{n}_raw IS NOT NULL AND _{n} IS NULL "
            f"THEN 'column {n}: ''' || _{n}_raw || ''' is not a number' END"
            for n in _COUNTS
        ]
        status_id = f"nullif(regexp_extract({c['article_url']}, '/status(?:es)?/(\\d+)', 1), '')"
        exact_id = f"CASE WHEN regexp_full_match({c['tweet_id']}, '\\d+') THEN {c['tweet_id']} END"
        # No id in the row: the hash of the whole row, every cell as written and in header order,
        # so only exact repeats share an id (``normalize.content_id`` of the cells).
        cells = ", ".join(f"coalesce({identifier(n)}, '')" for n in table.column_names if n != "_line")
        hashed = f"'h:' || substr(sha256(concat_ws(chr(31), {cells})), 1, 32)"
        # Several record batches, so DuckDB's threads can share the scan (zero-copy slices).
        con.register("batch", pa.Table.from_batches(table.to_batches(max_chunksize=_SCAN_ROWS), table.schema))
        try:
            rows = con.sql(f"""
                SELECT _line, _problem, {platform} AS platform,
                       CASE WHEN _problem IS NULL THEN coalesce({status_id}, {exact_id}, {hashed}) END AS post_id,
                       _author AS account_id, _author AS handle, _time AS time, false AS time_zone_known,
                       nullif(content, '') AS text, {c['language']} AS language, _line AS source_line,
                       {c['account_category']} AS category, {c['region']} AS location,
                       _followers AS followers, _following AS following, _updates AS post_count
                FROM (SELECT *, coalesce({', '.join(checks)}) AS _problem FROM (
                    SELECT *, {c['author']} AS _author, {c['publish_date']} AS _date,
                           try_strptime(_date, {_FORMATS}) AS _time, {counts}
                    FROM batch))""").to_arrow_table()
            lines = rows.column("_line").to_numpy()
            if not np.all(lines[1:] > lines[:-1]):  # DuckDB keeps scan order unless set otherwise
                rows = rows.sort_by("_line")
            problem = rows.column("_problem")
            if problem.null_count < rows.num_rows:
                yield from self._quarantine(con, table, rows.filter(problem.is_valid()))
                rows = rows.filter(problem.is_null())
        finally:
            con.unregister("batch")
        if not rows.num_rows:
            return
        yield TableBatch("posts", rows.select(list(_POST_COLUMNS)))
        con.register("good", rows)
        try:
            accounts = con.sql(f"""
                SELECT platform, account_id, arg_max(handle, _line) AS handle,
                       arg_max(category, _line) AS category, arg_max(location, _line) AS location,
                       arg_max(followers, _line) AS followers, arg_max(following, _line) AS following,
                       arg_max(post_count, _line) AS post_count, {literal(self.name)} AS source
                FROM good GROUP BY ALL""").to_arrow_table()
        finally:
            con.unregister("good")
        yield TableBatch("accounts", accounts)

    def _quarantine(self, con: duckdb.DuckDBPyConnection, table: pa.Table, bad: pa.Table) -> Iterator[Item]:
        """The refused rows, each with its cells as JSON and the reason (rare: a second, small scan)."""
        raw = "struct_pack(" + ", ".join(f"{identifier(n)} := {identifier(n)}" for n in table.column_names if n != "_line") + ")"
        con.register("bad", bad.select(["_line", "_problem"]))
        try:
            found = con.execute(
                f"SELECT b._line, to_json({raw})::VARCHAR, bad._problem FROM batch b "
                "JOIN bad ON b._line = bad._line ORDER BY b._line"
            ).fetchall()
        finally:
            con.unregister("bad")
        for line, raw_json, reason in found:
            yield Quarantined(str(self.path), int(line), raw_json, reason, adapter=self.name)


_POST_COLUMNS = ("platform", "post_id", "account_id", "handle", "time", "time_zone_known", "text", "language",
                 "source_line")
