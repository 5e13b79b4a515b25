"""The columnar reader of X/Twitter IO archive tweets files: the same records as
:func:`twitter_io.parse_tweet` gives row by row, at the speed of Arrow's CSV reader and DuckDB.

Why two paths and not one: the row-by-row mapping is the definition (every reason a row is refused
is written there once), but at ~10 µs a row it caps ingest near 10,000 posts/s. Here one SQL scan
over each block (Arrow's CSV reader, every cell as text) tests each row against conservative
patterns: ids of plain characters, ``YYYY-MM-DD HH:MM[:SS]`` times, plain counts and booleans.
Rows that pass (all of them in a clean export) are mapped in the same scan with the SQL twins of
the cell readers (``tabular.strip_sql``, ``list_cell_sql``, ``clean_id_sql``; ``normalize``'s
hashtag extraction); every other row goes through :func:`twitter_io.parse_tweet` itself, so a
refused row gets exactly the reason, line and raw value it always got.

Accounts: the row-by-row reader sends an author's profile whenever it differs from the last one
sent for that author; here a window over each block (and the last profile of each author from the
blocks before) finds the same rows, so the store and the counts come out the same.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.ingest import guard
from lockstep.ingest.arrowcsv import read_batches
from lockstep.ingest.base import Item, TableBatch
from lockstep.ingest.normalize import hashtags_sql
from lockstep.ingest.tabular import (
    RoundedId,
    cells_text,
    clean_id_sql,
    list_cell_sql,
    rounded_notes,
    text_or_none_sql,
)
from lockstep.model import Quarantined
from lockstep.sql import identifier, literal

if TYPE_CHECKING:
    from lockstep.model import Account, Post

#: ``twitter_io.parse_tweet``: (row, line, platform, adapter, source file) -> (account, post).
ParseFn = Callable[[dict[str, str], int, str, str, str], tuple["Account", "Post"]]


class TweetsAdapter(Protocol):
    """What the reader needs of the tweets adapter (``twitter_io.TwitterIOTweets``)."""

    path: Path
    platform: str
    notes: list[str]

    @property
    def name(self) -> str: ...

_ID = "[0-9A-Za-z_=+/-]+"
_SCIENTIFIC = "[+-]?[0-9]+[eE][+-]?[0-9]+"
_TIME = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?"
_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_BOOLS = "('true', '1', 'yes', 't', 'y', 'false', '0', 'no', 'f', 'n')"
_FALSE = "('false', '0', 'no', 'f', 'n')"
_COUNTS = ("quote_count", "reply_count", "like_count", "retweet_count", "follower_count", "following_count")
_OPTIONAL_IDS = ("in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid", "retweet_userid",
                 "retweet_tweetid")
_TEXTS = ("tweet_text", "tweet_language", "tweet_client_name", "user_screen_name", "user_display_name",
          "user_profile_description", "account_language", "user_reported_location", "account_creation_date",
          "is_retweet", "hashtags", "urls", "user_mentions", "tweetid", "userid")
_PROFILE = ("handle", "display_name", "bio", "created_at", "followers", "following", "language", "location")
_POSTS = ("platform", "post_id", "account_id", "time", "time_zone_known", "handle", "text", "language", "urls",
          "hashtags", "mentions", "reply_to_post", "reply_to_account", "repost_of_post", "repost_of_account",
          "quote_of_post", "client", "source_line")
#: What one parsed row holds, from SQL or from Python alike.
PARSED = pa.schema([
    ("_line", pa.int64()), ("post_id", pa.string()), ("account_id", pa.string()), ("time", pa.timestamp("us")),
    ("time_zone_known", pa.bool_()), ("handle", pa.string()), ("text", pa.string()), ("language", pa.string()),
    ("urls", pa.list_(pa.string())), ("hashtags", pa.list_(pa.string())), ("mentions", pa.list_(pa.string())),
    ("reply_to_post", pa.string()), ("reply_to_account", pa.string()), ("repost_of_post", pa.string()),
    ("repost_of_account", pa.string()), ("quote_of_post", pa.string()), ("client", pa.string()),
    ("display_name", pa.string()), ("bio", pa.string()), ("created_at", pa.timestamp("us")),
    ("followers", pa.int64()), ("following", pa.int64()), ("account_language", pa.string()),
    ("location", pa.string()),
    # Counts that do not fit the store (beyond 64 bits), as text: the row reader sends such a
    # profile as a record, which the pipeline quarantines; here it stays part of the profile.
    ("_odd", pa.string()),
])
_INT64 = (-(2**63), 2**63 - 1)


def _time_sql(v: str) -> str:
    """A cell of the shape :data:`_TIME` as a timestamp (NULL for an impossible date). One
    constant format per shape: a format list tries the others first, and a failed parse is slow."""
    return (f"CASE WHEN length({v}) = 16 AND substr({v}, 11, 1) = ' ' THEN try_strptime({v}, '%Y-%m-%d %H:%M') "
            f"WHEN length({v}) = 16 THEN try_strptime({v}, '%Y-%m-%dT%H:%M') "
            f"WHEN substr({v}, 11, 1) = ' ' THEN try_strptime({v}, '%Y-%m-%d %H:%M:%S') "
            f"ELSE try_strptime({v}, '%Y-%m-%dT%H:%M:%S') END")


def _date_sql(v: str) -> str:
    """An account creation cell (date or time shaped; checked by :func:`_simple_tests`) as a timestamp."""
    return (f"CASE WHEN coalesce({v}, '') = '' THEN NULL::TIMESTAMP WHEN length({v}) = 10 "
            f"THEN try_strptime({v}, '%Y-%m-%d') ELSE {_time_sql(v)} END")


def _col(name: str, cols: set[str]) -> str:
    return identifier(name) if name in cols else "NULL::VARCHAR"


def _simple_sql(cols: set[str]) -> str:
    """True for a row whose every checked cell has a shape the SQL below reads exactly as the
    Python readers do; false sends the row to :func:`twitter_io.parse_tweet`."""
    return " AND ".join(f"({t})" for t in _simple_tests(cols))


def _simple_tests(cols: set[str]) -> list[str]:
    c = {n: _col(n, cols) for n in (*_COUNTS, *_OPTIONAL_IDS, *_TEXTS, "tweet_time")}
    tests = []
    for key in ("tweetid", "userid"):
        v = c[key]
        tests.append(f"regexp_full_match({v}, {literal(_ID)}) AND NOT regexp_full_match({v}, {literal(_SCIENTIFIC)}) "
                     f"AND lower({v}) NOT IN ('nan', 'none', 'null')")
    t = c["tweet_time"]
    tests.append(f"CASE WHEN regexp_full_match({t}, {literal(_TIME)}) AND NOT starts_with({t}, '0000') "
                 f"THEN {_time_sql(t)} IS NOT NULL ELSE false END")
    created = c["account_creation_date"]
    tests.append(f"CASE WHEN coalesce({created}, '') = '' THEN true WHEN starts_with({created}, '0000') THEN false "
                 f"WHEN regexp_full_match({created}, {literal(_DATE)}) OR regexp_full_match({created}, {literal(_TIME)}) "
                 f"THEN {_date_sql(created)} IS NOT NULL ELSE false END")
    for n in _COUNTS:
        tests.append(f"coalesce({c[n]}, '') = '' OR regexp_full_match({c[n]}, '[0-9]{{1,18}}')")
    tests.append(f"coalesce({c['is_retweet']}, '') = '' OR lower({c['is_retweet']}) IN {_BOOLS}")
    tests += [list_cell_sql(c[n])[0] for n in ("hashtags", "urls", "user_mentions")]
    for n in _OPTIONAL_IDS:
        tests.append(f"{c[n]} IS NULL OR strlen({c[n]}) = length({c[n]})")
    return tests


def _lower_py(expr: str) -> str:
    """Python's ``str.lower`` (DuckDB's ``lower`` differs on U+0130 alone)."""
    return f"lower(replace({expr}, {literal(chr(0x130))}, {literal(chr(0x130).lower())}))"


def _values_sql(cols: set[str], source: str) -> str:
    """The parsed columns (:data:`PARSED`) of the simple rows of ``source``, as
    :func:`twitter_io.parse_tweet` maps them."""
    lists = ", ".join(f"{list_cell_sql(_col(n, cols))[1]} AS {alias}" for n, alias in (
        ("hashtags", "__tags"), ("urls", "__urls"), ("user_mentions", "__mentions")))
    return f"SELECT {_value_columns(cols)} FROM (SELECT *, {lists} FROM {source})"


def _value_columns(cols: set[str]) -> str:
    c = {n: _col(n, cols) for n in (*_COUNTS, *_OPTIONAL_IDS, *_TEXTS, "tweet_time")}
    text = c["tweet_text"]
    given = "__tags"
    seen = f"list_transform({given}, g -> {_lower_py('ltrim(g, ' + literal('#') + ')')})"
    merged = (f"CASE WHEN len({given}) = 0 THEN NULL WHEN NOT contains(coalesce({text}, ''), '#') THEN {given} "
              f"ELSE list_concat({given}, list_filter({hashtags_sql(text)}, "
              f"t -> NOT list_contains({seen}, {_lower_py('t')}))) END")
    created = c["account_creation_date"]
    is_false = f"coalesce(lower({c['is_retweet']}) IN {_FALSE}, false)"

    def nonempty(expr: str) -> str:
        return f"CASE WHEN len({expr}) = 0 THEN NULL ELSE {expr} END"

    def count(name: str) -> str:
        return f"nullif({c[name]}, '')::BIGINT"

    return ", ".join([
        "_line", f"{c['tweetid']} AS post_id", f"{c['userid']} AS account_id",
        f"{_time_sql(c['tweet_time'])} AS time", "false AS time_zone_known",
        f"{text_or_none_sql(c['user_screen_name'])} AS handle", f"nullif({text}, '') AS text",
        f"{text_or_none_sql(c['tweet_language'])} AS language",
        f"{nonempty('__urls')} AS urls", f"{merged} AS hashtags", f"{nonempty('__mentions')} AS mentions",
        f"{clean_id_sql(c['in_reply_to_tweetid'])} AS reply_to_post",
        f"{clean_id_sql(c['in_reply_to_userid'])} AS reply_to_account",
        f"CASE WHEN {is_false} THEN NULL ELSE {clean_id_sql(c['retweet_tweetid'])} END AS repost_of_post",
        f"CASE WHEN {is_false} THEN NULL ELSE {clean_id_sql(c['retweet_userid'])} END AS repost_of_account",
        f"{clean_id_sql(c['quoted_tweet_tweetid'])} AS quote_of_post",
        f"{text_or_none_sql(c['tweet_client_name'])} AS client",
        f"{text_or_none_sql(c['user_display_name'])} AS display_name",
        f"{text_or_none_sql(c['user_profile_description'])} AS bio",
        f"{_date_sql(created)} AS created_at",
        f"{count('follower_count')} AS followers", f"{count('following_count')} AS following",
        f"{text_or_none_sql(c['account_language'])} AS account_language",
        f"{text_or_none_sql(c['user_reported_location'])} AS location", "NULL::VARCHAR AS _odd",
    ])


class _Reader:
    """State across the blocks of one file: the SQL, the last profile sent per author, the notes."""

    def __init__(self, adapter: TweetsAdapter, parse: ParseFn) -> None:
        self.adapter = adapter
        self.parse = parse
        self.con = duckdb.connect()
        self.con.execute("CREATE TEMP TABLE last_profile (account_id VARCHAR PRIMARY KEY, profile STRUCT("
                         "handle VARCHAR, display_name VARCHAR, bio VARCHAR, created_at TIMESTAMP, followers BIGINT, "
                         "following BIGINT, language VARCHAR, location VARCHAR, _odd VARCHAR))")
        #: Profiles the store cannot hold, by line: sent as records (see ``_odd``).
        self.unstorable: dict[int, Any] = {}
        self.rows = 0
        self.rounded: dict[str, list[str]] = {}
        self._sql: dict[frozenset[str], tuple[str, str]] = {}

    def close(self) -> None:
        self.con.close()

    def block(self, table: pa.Table, quarantined: list[Quarantined]) -> Iterator[Item]:
        self.rows += table.num_rows + len(quarantined)
        for q in quarantined:
            if q.reason.startswith("row has ") and q.raw:
                q = _as_csv_raw(q)
            yield q
        if not table.num_rows:
            return
        cols = frozenset(c for c in table.column_names if c != "_line")
        if cols not in self._sql:
            self._sql[cols] = (_simple_sql(set(cols)), _values_sql(set(cols), "easy"))
        simple_sql, values_sql = self._sql[cols]
        self.con.register("block", table)
        try:
            simple = self.con.sql(f"SELECT {simple_sql} AS s FROM block").to_arrow_table().column(0)
            simple = pc.fill_null(simple, False)
            self.con.register("easy", table.filter(simple))
            try:
                parsed = self.con.sql(values_sql).to_arrow_table().cast(PARSED)
            finally:
                self.con.unregister("easy")
        finally:
            self.con.unregister("block")
        hard = table.filter(pc.invert(simple))
        if hard.num_rows:
            rest, problems = self._by_row(hard)
            yield from problems
            if rest.num_rows:
                parsed = pa.concat_tables([parsed, rest]).sort_by("_line")
        if parsed.num_rows:
            yield from self._records(parsed)

    def _by_row(self, hard: pa.Table) -> tuple[pa.Table, list[Quarantined]]:
        """The rows SQL does not read exactly, through :func:`twitter_io.parse_tweet`."""
        a, parse = self.adapter, self.parse
        out: dict[str, list[Any]] = {f.name: [] for f in PARSED}
        problems = []
        names = [c for c in hard.column_names if c != "_line"]
        for row in hard.to_pylist():
            line = int(row.pop("_line"))
            items, exc = guard.attempt(partial(parse, row, line, a.platform, a.name, str(a.path)))
            if exc is not None:
                if isinstance(exc, RoundedId):
                    self.rounded.setdefault(exc.column, []).append(exc.value)
                raw = cells_text([row.get(k) or "" for k in names])
                problems.append(Quarantined(str(a.path), line, guard.cap(raw), guard.reason_of(exc), adapter=a.name))
                continue
            account, post = items
            out["_line"].append(line)
            odd = [v for v in (account.followers, account.following)
                   if v is not None and not _INT64[0] <= v <= _INT64[1]]
            if odd:
                self.unstorable[line] = account
                out["_odd"].append(repr((account.followers, account.following)))
            else:
                out["_odd"].append(None)
            for f in PARSED.names[1:-1]:
                if odd and f in ("followers", "following"):
                    out[f].append(None)
                elif f == "account_language":
                    out[f].append(account.language)
                elif f in ("display_name", "bio", "created_at", "followers", "following", "location"):
                    out[f].append(getattr(account, f))
                else:
                    out[f].append(getattr(post, f))
        return pa.table(out, schema=PARSED), problems

    def _records(self, parsed: pa.Table) -> Iterator[Item]:
        """Profiles that differ from the author's last one sent (as the row reader sends them),
        then the posts."""
        a = self.adapter
        self.con.register("parsed", parsed)
        try:
            profile = ("struct_pack(handle, display_name, bio, created_at, followers, following, "
                       "language := account_language, location, _odd)")
            accounts = self.con.sql(f"""
                SELECT _line, {literal(a.platform)} AS platform, account_id, p.handle, p.display_name, p.bio, p.created_at,
                       p.followers, p.following, p.language, p.location, {literal(a.name)} AS source
                FROM (
                    SELECT _line, account_id, {profile} AS p,
                           lag({profile}) OVER (PARTITION BY account_id ORDER BY _line) AS prev,
                           row_number() OVER (PARTITION BY account_id ORDER BY _line) AS rn
                    FROM parsed) x
                LEFT JOIN last_profile l USING (account_id)
                WHERE CASE WHEN rn = 1 THEN l.profile IS DISTINCT FROM p ELSE prev IS DISTINCT FROM p END
                ORDER BY _line""").to_arrow_table()
            self.con.execute(f"""
                INSERT OR REPLACE INTO last_profile
                SELECT account_id, arg_max({profile}, _line) FROM parsed GROUP BY account_id""")
            posts = self.con.sql(f"SELECT {literal(a.platform)} AS platform, * EXCLUDE (_line), _line AS source_line "
                                 "FROM parsed").to_arrow_table()
        finally:
            self.con.unregister("parsed")
        if self.unstorable:
            odd = [n for n in accounts.column("_line").to_pylist() if n in self.unstorable]
            yield from (self.unstorable[n] for n in odd)
            self.unstorable.clear()
            if odd:
                accounts = accounts.filter(pc.invert(pc.is_in(accounts.column("_line"), pa.array(odd, pa.int64()))))
        if accounts.num_rows:
            yield TableBatch("accounts", accounts.drop_columns(["_line"]))
        yield TableBatch("posts", posts.select(list(_POSTS)))

    def notes(self) -> list[str]:
        return rounded_notes(self.rounded, self.rows)


def _as_csv_raw(q: Quarantined) -> Quarantined:
    """A row Arrow refused for its cell count, its raw value written as the csv module writes it."""
    try:
        cells = next(csv.reader([q.raw]))
    except (csv.Error, StopIteration):
        return q
    return Quarantined(q.source_file, q.line, guard.cap(cells_text(cells)), q.reason, adapter=q.adapter)


def read_tweets(adapter: TweetsAdapter, parse: ParseFn, *, expected: str, required: set[str]) -> Iterator[Item]:
    """Every record of a tweets file, block by block (see the module docstring)."""
    reader = _Reader(adapter, parse)
    try:
        for table, quarantined in read_batches(adapter.path, expected=expected, required=required,
                                               adapter=adapter.name, physical_lines=True, replace_bad_utf8=True):
            yield from reader.block(table, quarantined)
    finally:
        reader.close()
    adapter.notes.extend(reader.notes())
