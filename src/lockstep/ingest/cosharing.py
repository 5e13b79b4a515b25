"""Long co-sharing tables, the input shape of co-sharing tools such as the CooRTweet R package:
one row per (account, shared object, time). Two layouts are recognized from their header:

* **object layout** ``object_id, account_id, content_id, timestamp_share`` (e.g. retweets: the
  object is what was reposted, the content is the account's own post);
* **post x object layout** ``account_id, post_id, url_id, hashtag_id, domain_id, phash_id,
  timestamp`` (one row per post and shared object; the rows of one post are merged into one post).

Mapping into the normalized post (ids are anonymised in such tables, so they are kept as opaque
ids with a prefix that says what they are; ``id://`` values pass URL normalization unchanged):

=================  ===========================================================
source column      Post field
=================  ===========================================================
``content_id``     ``post_id``
``object_id``      ``repost_of_post`` (as given)
``post_id``        ``post_id``
``url_id``         ``urls`` as ``id://url/<value>``
``domain_id``      ``domains`` as ``id://domain/<value>``
``hashtag_id``     ``hashtags`` as ``id://hashtag/<value>``
``phash_id``       ``media_hashes`` as ``id://phash/<value>``
``timestamp``,     ``time`` (Unix epoch seconds, float or int; UTC, zone known)
``timestamp_share``
``account_id``     ``account_id``; a ``fb_``/``tw_``/``ig_`` prefix gives the platform
=================  ===========================================================

Platform: from the account id prefix, else ``--platform``, else ``unknown``. Lists hold each id
once; a post with no object of a kind gets an empty list (the source said
there are none), so nothing is extracted from text (there is none).

Quarantined: rows without an account id or post/content id, a timestamp that is not a number,
rows with the wrong number of cells or undecodable bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import duckdb

from lockstep.ingest.arrowcsv import read_batches
from lockstep.ingest.base import Item, ReadOptions, TableBatch, read_head
from lockstep.ingest.tabular import header_of, sql_text
from lockstep.model import Quarantined
from lockstep.sql import literal

OBJECT_LAYOUT = {"object_id", "account_id", "content_id", "timestamp_share"}
POST_LAYOUT = {"account_id", "post_id", "timestamp"}
_OBJECT_KINDS = {"url_id": "url", "domain_id": "domain", "hashtag_id": "hashtag", "phash_id": "phash"}
_PREFIXES = {"fb": "facebook", "tw": "twitter", "ig": "instagram", "yt": "youtube", "tg": "telegram"}



class CoSharingTable:
    """Long (account, object, time) co-sharing tables such as CooRTweet's."""

    name: ClassVar[str] = "cosharing"
    description: ClassVar[str] = "long co-sharing table (account, post/object ids, Unix timestamp), e.g. CooRTweet"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = set(header_of(head))
        if cols >= OBJECT_LAYOUT:
            return 0.95
        if cols >= POST_LAYOUT and cols & set(_OBJECT_KINDS):
            return 0.9
        return 0.0

    def read(self) -> Iterator[Item]:
        cols = set(header_of(read_head(self.path)))
        objects = cols >= OBJECT_LAYOUT
        required = OBJECT_LAYOUT if objects else POST_LAYOUT
        con = duckdb.connect()
        try:
            first = True
            for table, quarantined in read_batches(
                self.path, expected="a co-sharing table (object_id, account_id, content_id, timestamp_share "
                "or account_id, post_id, url_id/hashtag_id/domain_id/phash_id, timestamp)",
                required=required, adapter=self.name,
            ):
                yield from quarantined
                if not table.num_rows:
                    continue
                con.register("batch", table)
                verb = "CREATE TEMP TABLE rows AS" if first else "INSERT INTO rows"
                con.execute(f"{verb} {self._typed_sql(set(table.column_names), objects)}")
                con.unregister("batch")
                first = False
            if first:
                return
            for line, raw, reason in con.execute(
                "SELECT _line, _raw, _problem FROM rows WHERE _problem IS NOT NULL ORDER BY _line"
            ).fetchall():
                yield Quarantined(str(self.path), int(line), raw, reason, adapter=self.name)
            yield TableBatch("posts", con.sql(self._posts_sql(objects)).to_arrow_table())
        finally:
            con.close()

    def _typed_sql(self, cols: set[str], objects: bool) -> str:
        ts = "timestamp_share" if objects else "timestamp"
        pid = "content_id" if objects else "post_id"
        fallback = literal(self.options.platform or "unknown")
        prefix = f"lower(regexp_extract({sql_text('account_id', cols)}, '^([A-Za-z]{{2}})_', 1))"
        platform = "CASE " + " ".join(f"WHEN {prefix} = {literal(p)} THEN {literal(name)}" for p, name in _PREFIXES.items())
        platform += f" ELSE {fallback} END"
        problem = (
            f"CASE WHEN {sql_text('account_id', cols)} IS NULL THEN 'column account_id: empty, every row needs an account' "
            f"WHEN {sql_text(pid, cols)} IS NULL THEN 'column {pid}: empty, every row needs a post id' "
            f"WHEN {sql_text(ts, cols)} IS NULL THEN 'column {ts}: empty, a time is required' "
            f"WHEN TRY_CAST({sql_text(ts, cols)} AS DOUBLE) IS NULL "
            f"THEN 'column {ts}: ''' || {sql_text(ts, cols)} || ''' is not a Unix timestamp' END"
        )
        kinds = ", ".join(f"{sql_text(c, cols)} AS {c}" for c in _OBJECT_KINDS)
        return f"""
            SELECT {platform} AS platform, {sql_text('account_id', cols)} AS account_id, {sql_text(pid, cols)} AS post_id,
                   {sql_text('object_id', cols)} AS object_id, {kinds},
                   make_timestamp(TRY_CAST(TRY_CAST({sql_text(ts, cols)} AS DOUBLE) * 1e6 AS BIGINT)) AS time,
                   _line, {problem} AS _problem,
                   CASE WHEN ({problem}) IS NOT NULL THEN to_json(batch)::VARCHAR END AS _raw
            FROM batch"""

    def _posts_sql(self, objects: bool) -> str:
        if objects:
            return """
                SELECT platform, post_id, account_id, time, true AS time_zone_known, object_id AS repost_of_post,
                       []::VARCHAR[] AS urls, []::VARCHAR[] AS domains, []::VARCHAR[] AS hashtags,
                       []::VARCHAR[] AS mentions, []::VARCHAR[] AS media_hashes, _line AS source_line
                FROM rows WHERE _problem IS NULL ORDER BY _line"""
        lists = ", ".join(
            f"coalesce(list_distinct(list('id://{kind}/' || {col} ORDER BY _line) FILTER (WHERE {col} IS NOT NULL)), "
            f"[]) AS {field}"
            for col, kind, field in (
                ("url_id", "url", "urls"), ("domain_id", "domain", "domains"),
                ("hashtag_id", "hashtag", "hashtags"), ("phash_id", "phash", "media_hashes"),
            )
        )
        return f"""
            SELECT platform, post_id, account_id, min(time) AS time, true AS time_zone_known, {lists},
                   []::VARCHAR[] AS mentions, min(_line) AS source_line
            FROM rows WHERE _problem IS NULL
            GROUP BY platform, account_id, post_id ORDER BY source_line"""
