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
  Otherwise a content hash ``normalize.content_id(author, time, content)`` with the time as
  ISO ``YYYY-MM-DDTHH:MM:SS``. Policy for exact repeats: rows with the same author, minute and
  text get the same id, so they collapse into one post and are counted as *duplicates* in the
  ingest summary. Twitter refused a repeated identical status from one account, and one account
  cannot retweet a tweet twice, so such rows are double captures, not two tweets; the summary's
  duplicate count says how many rows were folded.

Other fields: ``post_type`` R/RETWEET -> repost (target account from ``RT @user:`` text where
present; the data names no target otherwise), Q/QUOTE_TWEET -> quote (no target id in the data);
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
import pyarrow as pa

from lockstep.ingest.arrowcsv import read_batches
from lockstep.ingest.base import Item, ReadOptions, TableBatch
from lockstep.ingest.tabular import header_of
from lockstep.model import Quarantined

REQUIRED = {"author", "content", "publish_date"}
_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%m/%d/%y %H:%M', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S']"
_COUNTS = ("followers", "following", "updates")


def _col(cols: set[str], name: str) -> str:
    return f'nullif(trim("{name}"), \'\')' if name in cols else "NULL::VARCHAR"


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
        cols = set(table.column_names)
        platform = (self.options.platform or "twitter").replace("'", "''")
        c = {n: _col(cols, n) for n in (
            "author", "content", "publish_date", "region", "language", "account_category",
            "article_url", "tweet_id", *_COUNTS)}
        checks = [
            f"CASE WHEN {c['author']} IS NULL THEN 'column author: empty, the account handle is required' END",
            f"CASE WHEN {c['publish_date']} IS NULL THEN 'column publish_date: empty, a time is required' "
            f"WHEN try_strptime({c['publish_date']}, {_FORMATS}) IS NULL "
            f"THEN 'column publish_date: ''' || {c['publish_date']} || ''' is not a date' END",
        ] + [
            f"CASE WHEN {c[n]} IS NOT NULL AND TRY_CAST(TRY_CAST({c[n]} AS DOUBLE) AS BIGINT) IS NULL "
            f"THEN 'column {n}: ''' || {c[n]} || ''' is not a number' END"
            for n in _COUNTS
        ]
        # No intermediate table: each query reads the Arrow batch and re-runs the (cheap) checks,
        # which costs less than materializing a copy of every text.
        typed = (f"(SELECT *, coalesce({', '.join(checks)}) AS _problem, "
                 f"try_strptime({c['publish_date']}, {_FORMATS}) AS _time FROM batch) typed")
        con.register("batch", table)
        try:
            yield from self._select(con, table, typed, c, platform)
        finally:
            con.unregister("batch")

    def _select(self, con: duckdb.DuckDBPyConnection, table: pa.Table, typed: str, c: dict[str, str],
                platform: str) -> Iterator[Item]:
        raw = "struct_pack(" + ", ".join(f'"{n}" := "{n}"' for n in table.column_names if n != "_line") + ")"
        for line, raw_json, reason in con.execute(
            f"SELECT _line, to_json({raw})::VARCHAR, _problem FROM {typed} WHERE _problem IS NOT NULL ORDER BY _line"
        ).fetchall():
            yield Quarantined(str(self.path), int(line), raw_json, reason, adapter=self.name)
        status_id = (
            f"nullif(regexp_extract({c['article_url']}, '/status(?:es)?/(\\d+)', 1), '')"
        )
        exact_id = f"CASE WHEN regexp_full_match({c['tweet_id']}, '\\d+') THEN {c['tweet_id']} END"
        hashed = (
            "'h:' || substr(sha256(concat_ws(chr(31), coalesce(" + c["author"] + ", ''), "
            "strftime(_time, '%Y-%m-%dT%H:%M:%S'), coalesce(content, ''))), 1, 32)"
        )
        posts = con.sql(f"""
            SELECT '{platform}' AS platform, coalesce({status_id}, {exact_id}, {hashed}) AS post_id,
                   {c['author']} AS account_id, {c['author']} AS handle, _time AS time,
                   false AS time_zone_known, nullif(content, '') AS text, {c['language']} AS language,
                   _line AS source_line
            FROM {typed} WHERE _problem IS NULL""").to_arrow_table()  # scan order is kept
        if posts.num_rows:
            yield TableBatch("posts", posts)
        accounts = con.sql(f"""
            SELECT '{platform}' AS platform, {c['author']} AS account_id,
                   arg_max({c['author']}, _line) AS handle,
                   arg_max({c['account_category']}, _line) AS category,
                   arg_max({c['region']}, _line) AS location,
                   arg_max(TRY_CAST(TRY_CAST({c['followers']} AS DOUBLE) AS BIGINT), _line) AS followers,
                   arg_max(TRY_CAST(TRY_CAST({c['following']} AS DOUBLE) AS BIGINT), _line) AS following,
                   arg_max(TRY_CAST(TRY_CAST({c['updates']} AS DOUBLE) AS BIGINT), _line) AS post_count,
                   '{self.name}' AS source
            FROM {typed} WHERE _problem IS NULL GROUP BY ALL""").to_arrow_table()
        if accounts.num_rows:
            yield TableBatch("accounts", accounts)
