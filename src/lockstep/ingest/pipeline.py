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

import pyarrow as pa

from lockstep import registry
from lockstep.errors import SourceError
from lockstep.ingest.base import ReadOptions, TableBatch, read_head
from lockstep.ingest.normalize import normalize_url, registered_domain
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
    error: str | None = None
    notes: list[str] = field(default_factory=list)

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
            table = table.set_column(0, "dataset", pa.array([self.dataset] * table.num_rows, pa.string()))
            if "source_file" in table.column_names:
                idx = table.column_names.index("source_file")
                col = table.column(idx).to_pylist()
                table = table.set_column(
                    idx, "source_file", pa.array([c or self.source_file for c in col], pa.string())
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
    con.execute(
        """
        UPDATE stage_posts SET
          urls = CASE WHEN urls IS NULL THEN
                   list_transform(regexp_extract_all(coalesce(text, ''), $url), u -> rtrim(u, $trail))
                 ELSE urls END,
          hashtags = CASE WHEN hashtags IS NULL
                          THEN list_transform(regexp_extract_all(coalesce(text, ''), $tag, 1), h -> lower(h))
                          ELSE list_transform(hashtags, h -> lower(ltrim(h, '#'))) END,
          mentions = CASE WHEN mentions IS NULL
                          THEN list_transform(regexp_extract_all(coalesce(text, ''), $mention, 1), m -> lower(m))
                          ELSE list_transform(mentions, m -> lower(ltrim(m, '@'))) END,
          repost_of_account = coalesce(repost_of_account,
                          nullif(regexp_extract(coalesce(text, ''), $rt, 1), '')),
          time_zone_known = coalesce(time_zone_known, true)
        """,
        {"url": _RE2_URL, "trail": ".,;:!?)]}'\"…", "tag": _RE2_HASHTAG, "mention": _RE2_MENTION, "rt": _RE2_RT},
    )
    # Normalize each distinct URL once, in Python, then map back.
    raw = [r[0] for r in con.execute("SELECT DISTINCT unnest(urls) FROM stage_posts").fetchall()]
    raw = [u for u in raw if u is not None]
    if raw:
        norm = [normalize_url(u) for u in raw]
        dom = [registered_domain(u) for u in norm]
        con.register("_url_map", pa.table({"raw": raw, "norm": norm, "domain": dom}))
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _post_urls AS
            SELECT s._seq,
                   list(m.norm ORDER BY s.pos) AS urls,
                   list_distinct(list(m.domain ORDER BY s.pos) FILTER (WHERE m.domain IS NOT NULL)) AS domains
            FROM (SELECT _seq, unnest(urls) AS raw, generate_subscripts(urls, 1) AS pos
                  FROM stage_posts WHERE len(urls) > 0) s
            JOIN _url_map m USING (raw)
            GROUP BY s._seq
            """
        )
        con.unregister("_url_map")
        con.execute(
            """
            UPDATE stage_posts SET urls = u.urls,
                   domains = CASE WHEN stage_posts.domains IS NULL THEN coalesce(u.domains, []) ELSE stage_posts.domains END
            FROM _post_urls u WHERE stage_posts._seq = u._seq
            """
        )
    con.execute(
        "UPDATE stage_posts SET domains = list_transform(domains, d -> lower(d)) WHERE domains IS NOT NULL"
    )
    con.execute("UPDATE stage_posts SET domains = [] WHERE domains IS NULL")
    con.execute("UPDATE stage_posts SET media_hashes = [] WHERE media_hashes IS NULL")


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
                SELECT * FROM stage_posts
                QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY _seq) = 1
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
    summary.records_read = stager.read
    if stager.read == 0:
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
