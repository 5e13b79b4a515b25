"""The ingest pipeline: adapter records -> staging -> enrichment -> one transaction per file.

Why this shape:

* **Nothing lost, nothing doubled.** Every record an adapter yields ends up as a stored post or
  account, a counted duplicate, or a quarantine row. Posts are keyed on (dataset, platform,
  post_id); re-ingesting a file adds nothing, quarantine rows included.
* **Crash-safe, in bounded memory.** Records are staged as Arrow tables in memory, a part of the
  file at a time (:data:`STREAM_ROWS`); each part is written as it comes, all inside one
  transaction per file, so a process killed mid-file leaves the store as it was and memory does
  not grow with the file.
* **Fast.** The data is not copied table to table: enrichment (URLs, domains, hashtags, mentions,
  ``RT @`` reposts extracted from text where the source gave none) is one DuckDB SELECT over the
  staged Arrow table, URLs are normalized once per distinct URL in bulk, and the final rows go
  into the store with one INSERT ... SELECT that also drops duplicates.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockstep import registry
from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import ReadOptions, TableBatch, read_head
from lockstep.ingest.normalize import (
    hashtag_list_sql,
    hashtags_sql,
    mention_list_sql,
    mentions_sql,
    normalize_many,
    retweeted_handle_sql,
    urls_sql,
)
from lockstep.model import (
    ACCOUNT_FIELDS,
    ACCOUNT_SCHEMA,
    POST_FIELDS,
    POST_SCHEMA,
    QUARANTINE_FIELDS,
    QUARANTINE_SCHEMA,
    Account,
    Post,
    Quarantined,
)
from lockstep.sql import identifier
from lockstep.store import Store

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
#: Staged records per part of a file written at a time (see :class:`_FileWriter`): bounds memory.
STREAM_ROWS = 500_000
#: A sniff score below this is "not my format".
SNIFF_THRESHOLD = 0.5

ProgressFn = Callable[[int], None]
CommitHook = Callable[[duckdb.DuckDBPyConnection], None]


@dataclass
class FileSummary:
    """What happened to one input file; printed by the CLI and returned as JSON."""

    path: str
    adapter: str
    dataset: str
    sha256: str = ""
    records_read: int = 0
    posts_stored: int = 0
    accounts_stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    zone_unknown: int = 0
    #: Account descriptions read (with an id); merged into ``accounts`` (new ones are ``accounts_stored``).
    account_records: int = 0
    #: Source records that are readable but are not posts or accounts (e.g. Telegram service
    #: messages, Bluesky likes/deletes), counted by the adapter with a reason, never silently dropped.
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def accounted(self) -> int:
        """Where every record read went. Equals ``records_read`` after a successful ingest:
        each record is a stored post, a duplicate post, a quarantine row, an account
        description, or a counted skip."""
        return self.posts_stored + self.duplicates + self.quarantined + self.account_records + self.skipped

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_format(path: Path) -> str:
    """The name of the adapter whose ``sniff`` is most confident about this file."""
    head = read_head(path)
    if not head.strip():
        raise SourceError(f"'{path}' is empty (or not readable as text after decompression).")
    scores = []
    for name, cls in registry.plugins("lockstep.adapters").items():
        try:
            score = float(cls.sniff(path, head))
        except Exception as exc:  # a plug-in's sniff must never stop detection
            log.debug("sniff of %s failed on %s: %s", name, path, exc)
            score = 0.0
        scores.append((score, name))
    best, name = max(scores)
    if best < SNIFF_THRESHOLD:
        known = ", ".join(sorted(registry.plugins("lockstep.adapters")))
        raise SourceError(
            f"Cannot tell the format of '{path}' from its content. "
            f"Name it with --format (one of: {known}), or map its columns with "
            "--format table --map text=COLUMN,time=COLUMN,account_id=COLUMN,..."
        )
    return name


def estimate_rows(path: Path) -> int | None:
    """About how many records a file holds, from its size and the lines of its first bytes (for a
    progress bar's ETA); ``None`` for a compressed file or one whose head is a single line."""
    head = read_head(path)
    with open(path, "rb") as fh:
        compressed = fh.read(6) != head[:6]
    lines = head.count(b"\n")
    if compressed or lines < 2:
        return None
    return max(1, int(path.stat().st_size / (len(head) / lines)))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Stager:
    """Collects a file's records as Arrow tables in memory; the store is not touched until
    :class:`_FileWriter`, inside the file's one transaction."""

    def __init__(self, dataset: str, adapter: str, source_file: str) -> None:
        self.dataset = dataset
        self.adapter = adapter
        self.source_file = source_file
        self.seq = 0
        self.read = 0
        #: Records staged since the last :meth:`flush` (what a part of the file holds in memory).
        self.pending = 0
        self.quarantined = 0
        self.posts: list[pa.Table] = []
        self.accounts: list[pa.Table] = []
        self.quarantine: list[pa.Table] = []
        self._posts: dict[str, list[Any]] = {f: [] for f in POST_FIELDS}
        self._accounts: dict[str, list[Any]] = {f: [] for f in ACCOUNT_FIELDS}
        self._quarantine: dict[str, list[Any]] = {f: [] for f in QUARANTINE_FIELDS}
        self._pseq: list[int] = []
        self._aseq: list[int] = []

    def add(self, item: Post | Account | Quarantined | TableBatch) -> None:
        self.seq += 1
        self.pending += 1
        if isinstance(item, Post):
            self.read += 1
            for f in POST_FIELDS:
                self._posts[f].append(getattr(item, f))
            self._pseq.append(self.seq)
            if len(self._pseq) >= BATCH_ROWS:
                self._flush_posts()
        elif isinstance(item, Account):
            self.read += 1
            for f in ACCOUNT_FIELDS:
                self._accounts[f].append(getattr(item, f))
            self._aseq.append(self.seq)
            if len(self._aseq) >= BATCH_ROWS:
                self._flush_accounts()
        elif isinstance(item, Quarantined):
            self.read += 1
            self._add_quarantine(item)
            if len(self._quarantine["reason"]) >= BATCH_ROWS:
                self._flush_quarantine()
        elif isinstance(item, TableBatch):
            self._add_table(item)
        else:  # pragma: no cover - a plug-in bug, reported clearly
            raise TypeError(f"Adapter {self.adapter!r} yielded {type(item).__name__}, not a record.")

    def _add_table(self, batch: TableBatch) -> None:
        schema = POST_SCHEMA if batch.kind == "posts" else ACCOUNT_SCHEMA
        n = batch.table.num_rows
        self.read += n
        self.pending += n
        cols = []
        for f in schema:
            if f.name in batch.table.column_names:
                cols.append(batch.table.column(f.name).cast(f.type))
            else:
                cols.append(pa.nulls(n, f.type))
        table = pa.Table.from_arrays(cols, schema=_relaxed(schema))
        seq = pa.array(np.arange(self.seq, self.seq + n, dtype=np.int64))
        self.seq += n
        self._keep(batch.kind, table.append_column("_seq", seq))

    def _keep(self, kind: str, table: pa.Table) -> None:
        if kind == "accounts":
            self.accounts.append(table.drop_columns(["dataset"]))
            return
        n = table.num_rows
        table = table.set_column(0, "dataset", pa.repeat(pa.scalar(self.dataset, pa.string()), n))
        # Empty or missing source files become this file (vectorized: no per-row Python).
        idx = table.column_names.index("source_file")
        col = table.column(idx)
        missing = pc.fill_null(pc.equal(col, ""), True)
        table = table.set_column(
            idx, "source_file", pc.if_else(missing, pa.scalar(self.source_file, pa.string()), col)
        )
        self.posts.append(table)

    def _flush_posts(self) -> None:
        if not self._pseq:
            return
        t, seq = self._table(self._posts, self._pseq, POST_SCHEMA, "post")
        self._keep("posts", t.append_column("_seq", pa.array(seq, pa.int64())))
        self._posts = {f: [] for f in POST_FIELDS}
        self._pseq = []

    def _flush_accounts(self) -> None:
        if not self._aseq:
            return
        t, seq = self._table(self._accounts, self._aseq, ACCOUNT_SCHEMA, "account")
        self._keep("accounts", t.append_column("_seq", pa.array(seq, pa.int64())))
        self._accounts = {f: [] for f in ACCOUNT_FIELDS}
        self._aseq = []

    def _table(self, cols: dict[str, list[Any]], seq: list[int], schema: pa.Schema,
               kind: str) -> tuple[pa.Table, list[int]]:
        """The buffered records as a table. Should a value not fit its column (text that is not
        valid Unicode, a wrong type from a plug-in), the records are checked one by one and the
        ones that do not fit are quarantined, so one record never fails the batch."""
        relaxed = _relaxed(schema)
        try:
            return pa.table(cols, schema=relaxed), seq
        except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
            pass
        keep: list[int] = []
        for i in range(len(seq)):
            row = {f: [v[i]] for f, v in cols.items()}
            try:
                pa.table(row, schema=relaxed)
            except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError) as exc:
                raw = guard.raw_json({f: v[0] for f, v in row.items()})
                self._add_quarantine(Quarantined(
                    self.source_file, row.get("source_line", [None])[0], guard.cap(raw),
                    f"the {kind} holds a value that cannot be stored ({type(exc).__name__}: {str(exc)[:200]})",
                    adapter=self.adapter))
                continue
            keep.append(i)
        kept = {f: [v[i] for i in keep] for f, v in cols.items()}
        return pa.table(kept, schema=relaxed), [seq[i] for i in keep]

    def _add_quarantine(self, item: Quarantined) -> None:
        self.quarantined += 1
        q = self._quarantine
        q["dataset"].append(self.dataset)
        q["adapter"].append(item.adapter or self.adapter)
        q["source_file"].append(item.source_file or self.source_file)
        q["line"].append(item.line)
        q["raw"].append(guard.cap(_utf8(item.raw)) if item.raw else item.raw)
        q["reason"].append(_utf8(item.reason))

    def _flush_quarantine(self) -> None:
        if not self._quarantine["reason"]:
            return
        self.quarantine.append(pa.table(self._quarantine, schema=_relaxed(QUARANTINE_SCHEMA)))
        self._quarantine = {f: [] for f in QUARANTINE_FIELDS}

    def flush(self) -> Staged:
        """Everything staged since the last call, as one table per kind (record order kept in
        ``_seq``, which keeps counting across calls); the stager then holds nothing."""
        self._flush_posts()
        self._flush_accounts()
        self._flush_quarantine()
        staged = Staged(
            posts=_concat(self.posts, _STAGE_POSTS),
            accounts=_concat(self.accounts, _STAGE_ACCOUNTS),
            quarantine=list(self.quarantine),
        )
        self.posts, self.accounts, self.quarantine = [], [], []
        self.pending = 0
        return staged


def _utf8(text: str) -> str:
    """Text that UTF-8 can encode (a quarantined raw value may hold a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _relaxed(schema: pa.Schema) -> pa.Schema:
    """The schema with every field nullable (staging accepts what the checks below refuse)."""
    return pa.schema([f.with_nullable(True) for f in schema])


_STAGE_POSTS = _relaxed(POST_SCHEMA).append(pa.field("_seq", pa.int64()))
_STAGE_ACCOUNTS = _relaxed(ACCOUNT_SCHEMA).remove(0).append(pa.field("_seq", pa.int64()))


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()


@dataclass
class Staged:
    """One file's staged rows: posts and accounts as read, plus quarantine rows so far."""

    posts: pa.Table
    accounts: pa.Table
    quarantine: list[pa.Table]


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Arrow tables visible to SQL by name for the duration (scanned in place, not copied)."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


_MISSING = (
    "post_id IS NULL OR post_id = '' OR account_id IS NULL OR account_id = '' "
    "OR platform IS NULL OR platform = '' OR time IS NULL"
)


def _enrich(store: Store, dataset: str, staged: Staged) -> pa.Table:
    """Fill what the source did not give from the text, and normalize URLs and domains.

    One SELECT over the staged Arrow table computes the columns that change; they replace those
    of the staged table in place. Rows missing what every post needs are added to
    ``staged.quarantine`` with the reason. The result keeps ``_seq`` and adds ``_doms`` (the
    registered domain of each URL, for :meth:`_FileWriter.part`)."""
    con = store.con
    with _registered(con, _lockstep_staged=staged.posts):
        bad = con.sql(
            f"""
            SELECT $dataset AS dataset, NULL::VARCHAR AS adapter, coalesce(source_file, '') AS source_file,
                   source_line AS line, to_json(struct_pack(post_id, account_id, time, text))::VARCHAR AS raw,
                   CASE WHEN post_id IS NULL OR post_id = '' THEN 'post has no id'
                        WHEN account_id IS NULL OR account_id = '' THEN 'post has no account id'
                        WHEN platform IS NULL OR platform = '' THEN 'post has no platform'
                        ELSE 'post has no time' END AS reason
            FROM _lockstep_staged WHERE {_MISSING}
            """,
            params={"dataset": dataset},
        ).to_arrow_table()
        if bad.num_rows:
            staged.quarantine.append(bad)
        # Only the columns enrichment changes leave DuckDB (text and the rest stay in the staged
        # Arrow table, not copied). Each regex runs only where the source gave no list and, where a
        # cheap test says so, only on texts that can match; the URL regex is cheaper than any test.
        derived = con.sql(
            f"""
            SELECT _seq,
              CASE WHEN urls IS NOT NULL THEN urls ELSE {urls_sql("text")} END AS urls,
              CASE WHEN hashtags IS NOT NULL THEN {hashtag_list_sql("hashtags")}
                   ELSE {hashtags_sql("text")} END AS hashtags,
              CASE WHEN mentions IS NOT NULL THEN {mention_list_sql("mentions")}
                   ELSE {mentions_sql("text")} END AS mentions,
              coalesce(repost_of_account, {retweeted_handle_sql("text")}) AS repost_of_account,
              coalesce(time_zone_known, true) AS time_zone_known,
              list_transform(domains, d -> lower(d)) AS domains,
              coalesce(media_hashes, []) AS media_hashes
            FROM _lockstep_staged WHERE NOT ({_MISSING})
            """,
        ).to_arrow_table()
    posts = staged.posts
    staged.posts = posts.slice(0, 0)
    if bad.num_rows:
        posts = posts.filter(pc.is_in(posts.column("_seq"), value_set=derived.column("_seq").combine_chunks()))
    if not np.array_equal(posts.column("_seq").to_numpy(), derived.column("_seq").to_numpy()):
        # DuckDB keeps scan order by default; should a connection be set otherwise, align by key.
        posts, derived = posts.sort_by("_seq"), derived.sort_by("_seq")
    urls, doms = _normalize_url_lists(derived.column("urls"))
    for name in ("hashtags", "mentions", "repost_of_account", "time_zone_known", "domains", "media_hashes"):
        posts = posts.set_column(posts.column_names.index(name), name, derived.column(name))
    posts = posts.set_column(posts.column_names.index("urls"), "urls", urls)
    return posts.append_column("_doms", doms)


def _normalize_url_lists(lists: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Normalized URLs and their registered domains, list for list (null entries dropped).

    Each distinct URL is normalized once (in bulk, see :func:`normalize.normalize_many`); the lists are rebuilt
    from offsets, without a join or a row of Python."""
    flats = [pc.list_flatten(chunk) for chunk in lists.chunks]
    every = pa.chunked_array(flats, pa.string()) if flats else pa.chunked_array([], pa.string())
    uniq = pc.unique(every.filter(every.is_valid())) if len(every) else pa.array([], pa.string())
    if isinstance(uniq, pa.ChunkedArray):
        uniq = uniq.combine_chunks()
    norm_u, dom_u = normalize_many(uniq)
    out_urls, out_doms = [], []
    for chunk, flat in zip(lists.chunks, flats, strict=True):
        parent = pc.list_parent_indices(chunk)
        keep = flat.is_valid()
        flat, parent = flat.filter(keep), parent.filter(keep)
        at = pc.index_in(flat, value_set=uniq)
        counts = np.bincount(parent.to_numpy(), minlength=len(chunk))
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        out_urls.append(pa.ListArray.from_arrays(offsets, pc.take(norm_u, at)))
        out_doms.append(pa.ListArray.from_arrays(offsets, pc.take(dom_u, at)))
    list_type = pa.list_(pa.string())
    return pa.chunked_array(out_urls, list_type), pa.chunked_array(out_doms, list_type)


def _first_copies(con: duckdb.DuckDBPyConnection, posts: pa.Table) -> pa.Array:
    """True for the first staged copy of each (platform, post_id): one hash aggregate over the
    keys, then a mask by position (``_seq`` ascends through the enriched rows), not a join."""
    seq = posts.column("_seq").to_numpy()
    first = np.zeros(len(seq), dtype=bool)
    if len(seq):
        with _registered(con, _lockstep_keys=posts.select(["platform", "post_id", "_seq"])):
            mins = con.sql("SELECT min(_seq) AS s FROM _lockstep_keys GROUP BY platform, post_id").to_arrow_table()
        keep = mins.column("s").to_numpy()
        if np.all(seq[1:] > seq[:-1]):
            first[np.searchsorted(seq, keep)] = True
        else:  # a connection set to not preserve order: match by value instead
            first = np.isin(seq, keep)
    return pa.array(first)


_POST_COLS = ", ".join(identifier(c) for c in POST_FIELDS)
_POST_SELECT = _POST_COLS.replace(
    '"domains"',
    "CASE WHEN domains IS NULL THEN coalesce(list_distinct(list_filter(_doms, d -> d IS NOT NULL)), []) "
    "ELSE domains END",
)
_ACC_COLS = [c for c in ACCOUNT_FIELDS if c not in ("dataset", "platform", "account_id")]
_ACC_VALID = "account_id IS NOT NULL AND account_id <> '' AND platform IS NOT NULL"


def _at(column: str) -> str:
    """Where an account column's value was read (its own position once reduced, else the row's)."""
    return f"coalesce(_seq_{column}, _seq)"


class _FileWriter:
    """One file's rows going into the store, part by part, inside the file's one transaction.

    Why parts: staging a whole file before writing it made memory grow with the file (16 GB for
    10M posts). Each part (:data:`STREAM_ROWS` staged rows) is enriched and inserted as it comes;
    the transaction stays open until the file is read, so a process killed mid-file still leaves
    the store as it was. Posts are deduplicated against the rows of earlier parts by the same
    anti-join that keeps a second ingest of the file from adding anything.

    Accounts are written once, at the end, from a running reduction that gives what one pass over
    the whole file would: per account and column the latest value given, and the handle of the
    latest post (a later part's rows always come after an earlier part's)."""

    def __init__(self, store: Store, dataset: str, summary: FileSummary) -> None:
        self.store, self.dataset, self.summary = store, dataset, summary
        self.before_acc = int(store.scalar("SELECT count(*) FROM accounts WHERE dataset = ?", [dataset]))
        self.accounts = pa.schema([*_STAGE_ACCOUNTS, *(pa.field(f"_seq_{c}", pa.int64()) for c in _ACC_COLS)]).empty_table()
        self.authors: pa.Table | None = None
        self.quarantined = 0
        self.added_q = 0

    def part(self, staged: Staged) -> None:
        """Enrich and insert one part's posts and quarantine rows; fold its accounts in."""
        store, con, summary, dataset = self.store, self.store.con, self.summary, self.dataset
        posts = _enrich(store, dataset, staged)
        posts = posts.append_column("_first", _first_copies(con, posts))
        with _registered(con, _lockstep_posts=posts, _lockstep_accounts=staged.accounts):
            # Only a dataset that already has posts needs the anti-join against them.
            seen = store.scalar("SELECT EXISTS (SELECT 1 FROM posts WHERE dataset = ?)", [dataset])
            new_only = (
                "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.dataset = $dataset AND p.platform = s.platform "
                "AND p.post_id = s.post_id)" if seen else ""
            )
            stored = con.execute(
                f"INSERT INTO posts ({_POST_COLS}) SELECT {_POST_SELECT} FROM _lockstep_posts s WHERE _first {new_only}",
                {"dataset": dataset} if seen else None,
            ).fetchone()
            n_stored = int(stored[0]) if stored else 0
            summary.posts_stored += n_stored
            summary.duplicates += posts.num_rows - n_stored
            summary.zone_unknown += posts.num_rows - int(pc.sum(posts.column("time_zone_known")).as_py() or 0)
            summary.account_records += int(store.scalar(f"SELECT count(*) FROM _lockstep_accounts WHERE {_ACC_VALID}"))
            self._fold_accounts(con)
            bad_acc = con.sql(
                "SELECT $dataset AS dataset, $adapter AS adapter, $path AS source_file, NULL::BIGINT AS line, "
                f"to_json(s)::VARCHAR AS raw, 'account has no id' AS reason FROM _lockstep_accounts s "
                f"WHERE NOT ({_ACC_VALID})",
                params={"dataset": dataset, "adapter": summary.adapter, "path": summary.path},
            ).to_arrow_table()
        quarantine = [t.cast(_relaxed(QUARANTINE_SCHEMA)) for t in [*staged.quarantine, bad_acc] if t.num_rows]
        self.quarantined += sum(t.num_rows for t in quarantine)
        if quarantine:
            with _registered(con, _lockstep_quarantine=pa.concat_tables(quarantine)):
                new_q = con.execute(
                    """
                    INSERT INTO quarantine (dataset, adapter, source_file, line, raw, reason)
                    SELECT DISTINCT $dataset, adapter, source_file, line, raw, reason FROM _lockstep_quarantine q
                    WHERE NOT EXISTS (SELECT 1 FROM quarantine o WHERE o.dataset = $dataset
                                      AND o.source_file = q.source_file AND o.line IS NOT DISTINCT FROM q.line
                                      AND o.reason = q.reason AND o.raw IS NOT DISTINCT FROM q.raw)
                    """,
                    {"dataset": dataset},
                ).fetchone()
            self.added_q += int(new_q[0]) if new_q else 0

    def _fold_accounts(self, con: duckdb.DuckDBPyConnection) -> None:
        """Reduce this part's account records and post authors into the running state."""
        # Each column keeps the position of its value (``_seq_<column>``), so the final pick
        # (:meth:`finish`) compares a value with the authors' handles exactly as one pass would.
        picks = ", ".join(
            f"arg_max({c}, {_at(c)}) FILTER (WHERE {c} IS NOT NULL) AS {c}, "
            f"max({_at(c)}) FILTER (WHERE {c} IS NOT NULL) AS _seq_{c}" for c in _ACC_COLS)
        with _registered(con, _lockstep_acc_state=self.accounts):
            self.accounts = con.sql(
                f"SELECT platform, account_id, {picks}, max(_seq) AS _seq FROM ("
                "SELECT * FROM _lockstep_acc_state UNION ALL BY NAME SELECT * FROM _lockstep_accounts) "
                "GROUP BY platform, account_id"
            ).to_arrow_table()
        authors = "SELECT platform, account_id, handle, source_file, _seq FROM _lockstep_posts"
        if self.authors is not None:
            con.register("_lockstep_authors", self.authors)
            authors += " UNION ALL SELECT platform, account_id, handle, source_file, _seq FROM _lockstep_authors"
        try:
            self.authors = con.sql(
                "SELECT platform, account_id, arg_max(handle, _seq) AS handle, any_value(source_file) AS source_file, "
                f"max(_seq) AS _seq FROM ({authors}) GROUP BY platform, account_id"
            ).to_arrow_table()
        finally:
            if "_lockstep_authors" in authors:
                con.unregister("_lockstep_authors")

    def finish(self, meta: dict[str, Any], on_commit: CommitHook | None) -> None:
        """Write the accounts and the file's record; fill in the summary's remaining counts."""
        store, con, summary, dataset = self.store, self.store.con, self.summary, self.dataset
        authors = self.authors if self.authors is not None else pa.table({
            "platform": pa.array([], pa.string()), "account_id": pa.array([], pa.string()),
            "handle": pa.array([], pa.string()), "source_file": pa.array([], pa.string()),
            "_seq": pa.array([], pa.int64())})
        # Every author is an account, even where the source describes only posts.
        picks = ", ".join(f"arg_max({c}, {_at(c)}) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _ACC_COLS)
        updates = ", ".join(f"{c} = coalesce(excluded.{c}, accounts.{c})" for c in _ACC_COLS)
        with _registered(con, _lockstep_accounts=self.accounts, _lockstep_authors=authors):
            con.execute(
                f"""
                INSERT INTO accounts (dataset, platform, account_id, {", ".join(_ACC_COLS)})
                SELECT ?, platform, account_id, {", ".join(_ACC_COLS)} FROM (
                    SELECT platform, account_id, {picks} FROM (
                        SELECT * FROM _lockstep_accounts
                        UNION ALL BY NAME
                        SELECT platform, account_id, handle, source_file AS source, _seq FROM _lockstep_authors
                    )
                    WHERE {_ACC_VALID}
                    GROUP BY platform, account_id
                )
                ON CONFLICT (dataset, platform, account_id) DO UPDATE SET {updates}
                """,
                [dataset],
            )
        summary.accounts_stored = int(
            store.scalar("SELECT count(*) FROM accounts WHERE dataset = ?", [dataset]) - self.before_acc
        )
        summary.quarantined = self.quarantined
        if self.added_q < self.quarantined:
            summary.notes.append(f"{self.quarantined - self.added_q} quarantine rows were already recorded")
        con.execute(
            "INSERT INTO ingested_files (dataset, path, sha256, bytes, adapter, platform, records_read, "
            "posts_stored, accounts_stored, duplicates, quarantined, zone_unknown) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset, summary.path, summary.sha256, meta["bytes"], summary.adapter, meta.get("platform"),
                summary.records_read, summary.posts_stored, summary.accounts_stored,
                summary.duplicates, summary.quarantined, summary.zone_unknown,
            ],
        )
        if on_commit is not None:
            on_commit(con)


def _read_all(adapter: Any, stager: _Stager, progress: ProgressFn | None,
              on_part: Callable[[], None] | None = None) -> None:
    """Stage every item the adapter yields. Should the adapter itself stop with an error part-way
    (a limit such as the decompression ratio, or an adapter bug), what was read is kept and one
    quarantine row says where and why reading stopped; the caller goes on to the next file.
    An error before anything was read is about the whole file and is raised."""
    step = 0
    last_line: int | None = None
    try:
        for item in adapter.read():
            stager.add(item)
            if on_part is not None and stager.pending >= STREAM_ROWS:
                on_part()
            last_line = getattr(item, "source_line", None) or getattr(item, "line", None) or last_line
            if progress is not None and stager.read - step >= 10_000:
                progress(stager.read - step)
                step = stager.read
    except SourceError as exc:
        if not stager.read:
            raise
        stager.add(Quarantined(stager.source_file, last_line, "",
                               f"reading stopped after {stager.read} records: {exc}", adapter=stager.adapter))
    except Exception as exc:
        log.debug("adapter %s failed on %s", stager.adapter, stager.source_file, exc_info=True)
        if not stager.read:
            raise SourceError(
                f"'{stager.source_file}' could not be read by the {stager.adapter!r} adapter "
                f"({guard.reason_of(exc)}). Check the file, or name another --format."
            ) from exc
        stager.add(Quarantined(
            stager.source_file, last_line, "",
            f"reading stopped after {stager.read} records, the rest of the file was not read: "
            f"{guard.reason_of(exc)}", adapter=stager.adapter))
    if progress is not None:
        progress(stager.read - step)


def ingest_file(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    dataset: str = "default",
    options: ReadOptions | None = None,
    progress: ProgressFn | None = None,
    on_commit: CommitHook | None = None,
) -> FileSummary:
    """Ingest one file in one transaction; raises :class:`SourceError` when it cannot be read at all.
    ``on_commit(con)`` runs inside that transaction, after the rows are in (see :class:`_FileWriter`)."""
    options = options or ReadOptions()
    if not path.exists():
        raise SourceError(f"No such file: '{path}'.")
    if path.is_dir():
        raise SourceError(f"'{path}' is a folder; name the files in it (e.g. '{path}/*.csv').")
    name = detect_format(path) if fmt == "auto" else fmt
    cls = registry.get("lockstep.adapters", name)
    summary = FileSummary(path=str(path), adapter=name, dataset=dataset, sha256=sha256_file(path))
    adapter = cls(path=path, options=options)
    stager = _Stager(dataset, name, str(path))
    with guard.using(options.limits), store.transaction():
        writer = _FileWriter(store, dataset, summary)
        _read_all(adapter, stager, progress, lambda: writer.part(stager.flush()))
        # Adapters may count records they read but that are neither posts nor accounts (optional
        # ``skipped`` Counter attribute); they count as read, with their reasons in the summary.
        skipped = dict(getattr(adapter, "skipped", None) or {})
        summary.skipped = int(sum(skipped.values()))
        summary.skip_reasons = {str(k): int(v) for k, v in skipped.items()}
        summary.records_read = stager.read + summary.skipped
        summary.notes.extend(str(n) for n in getattr(adapter, "notes", None) or [])
        if summary.skipped:
            summary.notes.append(
                "skipped (not posts): " + ", ".join(f"{n} {r}" for r, n in sorted(skipped.items()))
            )
        if summary.records_read == 0:
            raise SourceError(
                f"'{path}' held no records that the {name!r} adapter could read. "
                f"Check that it is a {cls.description} file, or name another --format."
            )
        writer.part(stager.flush())
        writer.finish({"bytes": path.stat().st_size, "platform": options.platform}, on_commit)
    if summary.zone_unknown:
        summary.notes.append(
            f"{summary.zone_unknown} posts had no time zone in the source and were read as UTC"
        )
    return summary


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    *,
    fmt: str = "auto",
    dataset: str = "default",
    options: ReadOptions | None = None,
    progress: ProgressFn | None = None,
) -> list[FileSummary]:
    """Ingest several files; a file that cannot be read is reported in its summary, not raised."""
    out = []
    for path in paths:
        try:
            out.append(ingest_file(store, path, fmt=fmt, dataset=dataset, options=options, progress=progress))
        except SourceError as exc:
            out.append(FileSummary(path=str(path), adapter=fmt, dataset=dataset, error=str(exc)))
    return out
