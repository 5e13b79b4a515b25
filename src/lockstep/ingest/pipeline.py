"""The ingest pipeline: adapter records -> staging -> enrichment -> one transaction per file.

Why this shape:

* **Nothing lost, nothing doubled.** Every record an adapter yields ends up as a stored post or
  account, a counted duplicate, or a quarantine row. Posts are keyed on (dataset, platform,
  post_id); re-ingesting a file adds nothing, quarantine rows included.
* **Crash-safe.** Records are staged in temporary tables; the store itself is changed only in
  one transaction per file, so a process killed mid-file leaves the store as it was.
* **Fast.** Enrichment (URLs, domains, hashtags, mentions, ``RT @`` reposts extracted from text
  where the source gave none) runs as set operations in DuckDB; URLs are normalized once per
  distinct URL, not once per post.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockstep import registry
from lockstep.errors import SourceError
from lockstep.ingest.base import ReadOptions, TableBatch, read_head
from lockstep.ingest.bulk_urls import normalize_many
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
from lockstep.store import Store

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
#: A sniff score below this is "not my format".
SNIFF_THRESHOLD = 0.5

ProgressFn = Callable[[int], None]


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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Stager:
    """Collects records into column lists and flushes them into temporary staging tables."""

    def __init__(self, store: Store, dataset: str, adapter: str, source_file: str) -> None:
        self.store = store
        self.dataset = dataset
        self.adapter = adapter
        self.source_file = source_file
        self.seq = 0
        self.read = 0
        self.quarantined = 0
        self._posts: dict[str, list[Any]] = {f: [] for f in POST_FIELDS}
        self._accounts: dict[str, list[Any]] = {f: [] for f in ACCOUNT_FIELDS}
        self._quarantine: dict[str, list[Any]] = {f: [] for f in QUARANTINE_FIELDS}
        self._pseq: list[int] = []
        self._aseq: list[int] = []
        con = store.con
        con.execute("CREATE OR REPLACE TEMP TABLE stage_posts AS SELECT *, 0::BIGINT AS _seq FROM posts LIMIT 0")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_accounts AS "
            "SELECT * EXCLUDE (dataset), 0::BIGINT AS _seq FROM accounts LIMIT 0"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_quarantine AS "
            "SELECT * EXCLUDE (ingested_at) FROM quarantine LIMIT 0"
        )

    def add(self, item: Post | Account | Quarantined | TableBatch) -> None:
        self.seq += 1
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
            self.quarantined += 1
            q = self._quarantine
            q["dataset"].append(self.dataset)
            q["adapter"].append(item.adapter or self.adapter)
            q["source_file"].append(item.source_file or self.source_file)
            q["line"].append(item.line)
            q["raw"].append(item.raw[:10_000] if item.raw else item.raw)
            q["reason"].append(item.reason)
            if len(q["reason"]) >= BATCH_ROWS:
                self._flush_quarantine()
        elif isinstance(item, TableBatch):
            self._add_table(item)
        else:  # pragma: no cover - a plug-in bug, reported clearly
            raise TypeError(f"Adapter {self.adapter!r} yielded {type(item).__name__}, not a record.")

    def _add_table(self, batch: TableBatch) -> None:
        schema = POST_SCHEMA if batch.kind == "posts" else ACCOUNT_SCHEMA
        n = batch.table.num_rows
        self.read += n
        cols = []
        for f in schema:
            if f.name in batch.table.column_names:
                cols.append(batch.table.column(f.name).cast(f.type))
            else:
                cols.append(pa.nulls(n, f.type))
        table = pa.Table.from_arrays(cols, schema=_relaxed(schema))
        seq = pa.array(range(self.seq, self.seq + n), pa.int64())
        self.seq += n
        table = table.append_column("_seq", seq)
        self._write("stage_posts" if batch.kind == "posts" else "stage_accounts", table)

    def _write(self, name: str, table: pa.Table) -> None:
        if name == "stage_accounts" and "dataset" in table.column_names:
            table = table.drop_columns(["dataset"])
        if name == "stage_posts":
            n = table.num_rows
            table = table.set_column(0, "dataset", pa.repeat(pa.scalar(self.dataset, pa.string()), n))
            if "source_file" in table.column_names:
                # Empty or missing source files become this file (vectorized: no per-row Python).
                idx = table.column_names.index("source_file")
                col = table.column(idx).cast(pa.string())
                missing = pc.fill_null(pc.equal(col, ""), True)
                table = table.set_column(
                    idx, "source_file", pc.if_else(missing, pa.scalar(self.source_file, pa.string()), col)
                )
        self.store.append(name, table)

    def _flush_posts(self) -> None:
        if not self._pseq:
            return
        t = pa.table({**self._posts}, schema=_relaxed(POST_SCHEMA))
        t = t.append_column("_seq", pa.array(self._pseq, pa.int64()))
        self._write("stage_posts", t)
        self._posts = {f: [] for f in POST_FIELDS}
        self._pseq = []

    def _flush_accounts(self) -> None:
        if not self._aseq:
            return
        t = pa.table({**self._accounts}, schema=_relaxed(ACCOUNT_SCHEMA))
        t = t.append_column("_seq", pa.array(self._aseq, pa.int64()))
        self._write("stage_accounts", t)
        self._accounts = {f: [] for f in ACCOUNT_FIELDS}
        self._aseq = []

    def _flush_quarantine(self) -> None:
        if not self._quarantine["reason"]:
            return
        self.store.append("stage_quarantine", pa.table(self._quarantine, schema=QUARANTINE_SCHEMA))
        self._quarantine = {f: [] for f in QUARANTINE_FIELDS}

    def flush(self) -> None:
        self._flush_posts()
        self._flush_accounts()
        self._flush_quarantine()


def _relaxed(schema: pa.Schema) -> pa.Schema:
    """The schema with every field nullable (staging accepts what the checks below refuse)."""
    return pa.schema([f.with_nullable(True) for f in schema])


_RE2_URL = "(?i)(?:https?://|www\\.)[^\\s<>\"'\u201c\u201d\u2018\u2019]+"
_RE2_HASHTAG = r"(?:^|[^\pL\pN_&])#([\pL\pN_]+)"
_RE2_MENTION = r"(?:^|[^\pL\pN_@])@([\pL\pN_]{1,30})"
_RE2_RT = r"^RT @([\pL\pN_]{1,30}):"


def _enrich(store: Store, dataset: str) -> None:
    """Fill what the source did not give from the text, and normalize URLs and domains."""
    con = store.con
    # Rows missing what every post needs go to quarantine, with the reason.
    con.execute(
        """
        INSERT INTO stage_quarantine
        SELECT ?, NULL, coalesce(source_file, ''), source_line,
               to_json(struct_pack(post_id, account_id, time, text))::VARCHAR,
               CASE WHEN post_id IS NULL OR post_id = '' THEN 'post has no id'
                    WHEN account_id IS NULL OR account_id = '' THEN 'post has no account id'
                    WHEN platform IS NULL OR platform = '' THEN 'post has no platform'
                    ELSE 'post has no time' END
        FROM stage_posts
        WHERE post_id IS NULL OR post_id = '' OR account_id IS NULL OR account_id = ''
           OR platform IS NULL OR platform = '' OR time IS NULL
        """,
        [dataset],
    )
    con.execute(
        "DELETE FROM stage_posts WHERE post_id IS NULL OR post_id = '' OR account_id IS NULL "
        "OR account_id = '' OR platform IS NULL OR platform = '' OR time IS NULL"
    )
    # Rewriting the staging table (CREATE ... AS SELECT) costs a fraction of an UPDATE of every row.
    # Each regex runs only on texts holding what it needs ('http'/'www.', '#', '@', 'RT @'):
    # the result is the same, and most texts skip most regexes.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_posts AS SELECT * REPLACE (
          CASE WHEN urls IS NOT NULL THEN urls
               WHEN NOT (contains(lower(coalesce(text, '')), 'http') OR contains(lower(coalesce(text, '')), 'www.'))
               THEN []::VARCHAR[]
               ELSE list_transform(regexp_extract_all(coalesce(text, ''), $url), u -> rtrim(u, $trail)) END AS urls,
          CASE WHEN hashtags IS NOT NULL THEN list_transform(hashtags, h -> lower(ltrim(h, '#')))
               WHEN NOT contains(coalesce(text, ''), '#') THEN []::VARCHAR[]
               ELSE list_transform(regexp_extract_all(coalesce(text, ''), $tag, 1), h -> lower(h)) END AS hashtags,
          CASE WHEN mentions IS NOT NULL THEN list_transform(mentions, m -> lower(ltrim(m, '@')))
               WHEN NOT contains(coalesce(text, ''), '@') THEN []::VARCHAR[]
               ELSE list_transform(regexp_extract_all(coalesce(text, ''), $mention, 1), m -> lower(m)) END AS mentions,
          CASE WHEN repost_of_account IS NOT NULL THEN repost_of_account
               WHEN NOT starts_with(coalesce(text, ''), 'RT @') THEN NULL
               ELSE nullif(regexp_extract(coalesce(text, ''), $rt, 1), '') END AS repost_of_account,
          coalesce(time_zone_known, true) AS time_zone_known,
          list_transform(domains, d -> lower(d)) AS domains,
          coalesce(media_hashes, []) AS media_hashes
        ) FROM stage_posts
        """,
        {"url": _RE2_URL, "trail": ".,;:!?)]}'\"…", "tag": _RE2_HASHTAG, "mention": _RE2_MENTION, "rt": _RE2_RT},
    )
    # Normalize each distinct URL once (in bulk, see bulk_urls), then put the lists back in order.
    staged = con.sql("SELECT _seq, urls FROM stage_posts WHERE len(urls) > 0").to_arrow_table()
    if staged.num_rows:
        lists = staged.column("urls").combine_chunks()
        flat = pc.list_flatten(lists)
        parent = pc.list_parent_indices(lists)
        keep = flat.is_valid()
        flat, parent = flat.filter(keep), parent.filter(keep)
        uniq = pc.unique(flat)
        norm_u, dom_u = normalize_many(uniq)
        at = pc.index_in(flat, value_set=uniq)
        offsets = np.concatenate(
            [[0], np.cumsum(np.bincount(parent.to_numpy(), minlength=staged.num_rows))]
        ).astype(np.int32)
        post_urls = pa.table({
            "_seq": staged.column("_seq"),
            "urls": pa.ListArray.from_arrays(pa.array(offsets), pc.take(norm_u, at)),
            "doms": pa.ListArray.from_arrays(pa.array(offsets), pc.take(dom_u, at)),
        })
        con.register("_post_urls", post_urls)
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE stage_posts AS
            SELECT s.* REPLACE (
                     coalesce(u.urls, s.urls) AS urls,
                     CASE WHEN s.domains IS NULL
                          THEN coalesce(list_distinct(list_filter(u.doms, d -> d IS NOT NULL)), [])
                          ELSE s.domains END AS domains)
            FROM stage_posts s LEFT JOIN _post_urls u ON s._seq = u._seq
            """
        )
        con.unregister("_post_urls")
    else:
        con.execute("UPDATE stage_posts SET domains = [] WHERE domains IS NULL")


_POST_COLS = ", ".join(f'"{c}"' for c in POST_FIELDS)
_ACC_COLS = [c for c in ACCOUNT_FIELDS if c not in ("dataset", "platform", "account_id")]


def _commit(store: Store, dataset: str, summary: FileSummary, meta: dict[str, Any]) -> None:
    """Move staged rows into the store in one transaction and fill in the summary's counts."""
    con = store.con
    with store.transaction():
        before_posts = store.scalar("SELECT count(*) FROM posts WHERE dataset = ?", [dataset])
        con.execute(
            f"""
            INSERT INTO posts ({_POST_COLS})
            SELECT {_POST_COLS} FROM (
                -- The first staged copy of each (platform, post_id); a hash aggregate, cheaper
                -- than a window that sorts every partition.
                SELECT * FROM stage_posts
                WHERE _seq IN (SELECT min(_seq) FROM stage_posts GROUP BY platform, post_id)
            ) s
            WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.dataset = ? AND p.platform = s.platform
                              AND p.post_id = s.post_id)
            """,
            [dataset],
        )
        staged_posts = store.scalar("SELECT count(*) FROM stage_posts")
        stored = store.scalar("SELECT count(*) FROM posts WHERE dataset = ?", [dataset]) - before_posts
        summary.posts_stored = int(stored)
        summary.duplicates = int(staged_posts - stored)
        summary.zone_unknown = int(
            store.scalar("SELECT count(*) FROM stage_posts WHERE NOT time_zone_known")
        )
        summary.account_records = int(
            store.scalar(
                "SELECT count(*) FROM stage_accounts WHERE account_id IS NOT NULL AND account_id <> '' "
                "AND platform IS NOT NULL"
            )
        )

        # Every author is an account, even where the source describes only posts.
        con.execute(
            "INSERT INTO stage_accounts (platform, account_id, handle, source, _seq) "
            "SELECT platform, account_id, arg_max(handle, _seq), any_value(source_file), max(_seq) "
            "FROM stage_posts GROUP BY platform, account_id"
        )
        before_acc = store.scalar("SELECT count(*) FROM accounts WHERE dataset = ?", [dataset])
        picks = ", ".join(
            f"arg_max({c}, _seq) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _ACC_COLS
        )
        updates = ", ".join(f"{c} = coalesce(excluded.{c}, accounts.{c})" for c in _ACC_COLS)
        con.execute(
            f"""
            INSERT INTO accounts (dataset, platform, account_id, {", ".join(_ACC_COLS)})
            SELECT ?, platform, account_id, {", ".join(_ACC_COLS)} FROM (
                SELECT platform, account_id, {picks} FROM stage_accounts
                WHERE account_id IS NOT NULL AND account_id <> '' AND platform IS NOT NULL
                GROUP BY platform, account_id
            )
            ON CONFLICT (dataset, platform, account_id) DO UPDATE SET {updates}
            """,
            [dataset],
        )
        summary.accounts_stored = int(
            store.scalar("SELECT count(*) FROM accounts WHERE dataset = ?", [dataset]) - before_acc
        )
        bad_acc = store.scalar(
            "SELECT count(*) FROM stage_accounts WHERE account_id IS NULL OR account_id = '' OR platform IS NULL"
        )
        if bad_acc:
            con.execute(
                "INSERT INTO stage_quarantine SELECT ?, ?, ?, NULL, to_json(s)::VARCHAR, "
                "'account has no id' FROM stage_accounts s "
                "WHERE account_id IS NULL OR account_id = '' OR platform IS NULL",
                [dataset, summary.adapter, summary.path],
            )
        q_before = store.scalar("SELECT count(*) FROM quarantine WHERE dataset = ?", [dataset])
        con.execute(
            """
            INSERT INTO quarantine (dataset, adapter, source_file, line, raw, reason)
            SELECT DISTINCT ?, adapter, source_file, line, raw, reason FROM stage_quarantine q
            WHERE NOT EXISTS (SELECT 1 FROM quarantine o WHERE o.dataset = ? AND o.source_file = q.source_file
                              AND o.line IS NOT DISTINCT FROM q.line AND o.reason = q.reason
                              AND o.raw IS NOT DISTINCT FROM q.raw)
            """,
            [dataset, dataset],
        )
        summary.quarantined = int(store.scalar("SELECT count(*) FROM stage_quarantine"))
        new_q = store.scalar("SELECT count(*) FROM quarantine WHERE dataset = ?", [dataset]) - q_before
        if new_q < summary.quarantined:
            summary.notes.append(f"{summary.quarantined - new_q} quarantine rows were already recorded")
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


def ingest_file(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    dataset: str = "default",
    options: ReadOptions | None = None,
    progress: ProgressFn | None = None,
) -> FileSummary:
    """Ingest one file in one transaction; raises :class:`SourceError` when it cannot be read at all."""
    options = options or ReadOptions()
    if not path.exists():
        raise SourceError(f"No such file: '{path}'.")
    if path.is_dir():
        raise SourceError(f"'{path}' is a folder; name the files in it (e.g. '{path}/*.csv').")
    name = detect_format(path) if fmt == "auto" else fmt
    cls = registry.get("lockstep.adapters", name)
    summary = FileSummary(path=str(path), adapter=name, dataset=dataset, sha256=sha256_file(path))
    adapter = cls(path=path, options=options)
    stager = _Stager(store, dataset, name, str(path))
    step = 0
    for item in adapter.read():
        stager.add(item)
        if progress is not None and stager.read - step >= 10_000:
            progress(stager.read - step)
            step = stager.read
    stager.flush()
    if progress is not None:
        progress(stager.read - step)
    # Adapters may count records they read but that are neither posts nor accounts (optional
    # ``skipped`` Counter attribute); they count as read, with their reasons in the summary.
    skipped = dict(getattr(adapter, "skipped", None) or {})
    summary.skipped = int(sum(skipped.values()))
    summary.skip_reasons = {str(k): int(v) for k, v in skipped.items()}
    summary.records_read = stager.read + summary.skipped
    if summary.skipped:
        summary.notes.append(
            "skipped (not posts): " + ", ".join(f"{n} {r}" for r, n in sorted(skipped.items()))
        )
    if summary.records_read == 0:
        raise SourceError(
            f"'{path}' held no records that the {name!r} adapter could read. "
            f"Check that it is a {cls.description} file, or name another --format."
        )
    _enrich(store, dataset)
    _commit(store, dataset, summary, {"bytes": path.stat().st_size, "platform": options.platform})
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
