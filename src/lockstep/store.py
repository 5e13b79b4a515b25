"""The DuckDB store: one file holds every dataset, the quarantine, and what each stage found.

Stages share data only through these tables (and ``model.py`` types). Each stage that adds
results owns its tables' meaning; their shapes are declared here, once, so every stage and
every engine agrees on them.

A store is found the same way by every command: ``--db PATH``, else ``LOCKSTEP_DB``, else
``./lockstep.duckdb`` (see :mod:`lockstep.config`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from lockstep.errors import StoreError
from lockstep.sql import identifier, literal

if TYPE_CHECKING:  # Arrow loads where tables are exchanged, not for `lockstep stats`
    import pyarrow as pa

log = logging.getLogger(__name__)

#: Columns ``export posts --partition-by`` may split a Parquet dataset by (``day``: the UTC date).
PARTITION_COLUMNS = ("dataset", "platform", "day")
_LIST = "VARCHAR[]"

TABLES: dict[str, str] = {
    # --- ingest ---------------------------------------------------------------------------
    "posts": f"""
        dataset VARCHAR NOT NULL, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL, handle VARCHAR, time TIMESTAMP NOT NULL,
        time_zone_known BOOLEAN, text VARCHAR, language VARCHAR, urls {_LIST}, domains {_LIST},
        hashtags {_LIST}, mentions {_LIST}, reply_to_post VARCHAR, reply_to_account VARCHAR,
        repost_of_post VARCHAR, repost_of_account VARCHAR, quote_of_post VARCHAR,
        media_hashes {_LIST}, client VARCHAR, source_file VARCHAR, source_line BIGINT""",
    "accounts": """
        dataset VARCHAR NOT NULL, platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
        handle VARCHAR, display_name VARCHAR, bio VARCHAR, created_at TIMESTAMP, followers BIGINT,
        following BIGINT, post_count BIGINT, verified BOOLEAN, language VARCHAR, location VARCHAR,
        avatar_hash VARCHAR, category VARCHAR, source VARCHAR,
        PRIMARY KEY (dataset, platform, account_id)""",
    "quarantine": """
        dataset VARCHAR NOT NULL, adapter VARCHAR, source_file VARCHAR NOT NULL, line BIGINT,
        raw VARCHAR, reason VARCHAR NOT NULL, ingested_at TIMESTAMP DEFAULT current_timestamp""",
    "ingested_files": """
        dataset VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT,
        adapter VARCHAR, platform VARCHAR, records_read BIGINT, posts_stored BIGINT,
        accounts_stored BIGINT, duplicates BIGINT, quarantined BIGINT, zone_unknown BIGINT,
        ingested_at TIMESTAMP DEFAULT current_timestamp""",
    # --- detection (issue: coordination detection) -----------------------------------------
    "runs": """
        dataset VARCHAR NOT NULL, run_id VARCHAR NOT NULL, started_at TIMESTAMP,
        finished_at TIMESTAMP, params JSON, lockstep_version VARCHAR""",
    # One row per significant account pair and trace. Accounts ordered (a < b).
    "edges": f"""
        dataset VARCHAR NOT NULL, trace VARCHAR NOT NULL, platform_a VARCHAR, account_a VARCHAR,
        platform_b VARCHAR, account_b VARCHAR, weight DOUBLE, count BIGINT, p_value DOUBLE,
        q_value DOUBLE, evidence_ids {_LIST}, expected DOUBLE, window_s DOUBLE,
        evidence_items {_LIST}""",
    "networks": f"""
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, size INTEGER, score DOUBLE,
        coordination_score DOUBLE, signal_score DOUBLE, traces {_LIST}, edge_count BIGINT,
        density DOUBLE, first_activity TIMESTAMP, last_activity TIMESTAMP, why VARCHAR,
        utc_offset_hours DOUBLE, utc_offset_confidence DOUBLE, attribution_hint VARCHAR,
        analyst_attribution VARCHAR""",
    "members": """
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, platform VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL, score DOUBLE, subcluster INTEGER, degree INTEGER""",
    # The shared items behind a network: who posted which item when.
    "evidence": """
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, trace VARCHAR NOT NULL,
        item VARCHAR, platform VARCHAR, account_id VARCHAR, post_id VARCHAR, time TIMESTAMP""",
    # The members' posts of each network, as of the detection run that found it (written with the
    # members, ordered by network): the report and the workspace read one network's posts from here
    # without scanning every post of the dataset. Older stores lack it; readers then join posts and members.
    "network_posts": f"""
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, platform VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL, post_id VARCHAR, time TIMESTAMP, handle VARCHAR, text VARCHAR,
        client VARCHAR, urls {_LIST}, domains {_LIST}""",
    # Networks of openly disclosed automation (an outlet's feeds): coordinated, not deceptive, so
    # kept out of `networks`/`members` but listed for review. One row per member.
    "set_aside": f"""
        dataset VARCHAR NOT NULL, group_id INTEGER NOT NULL, platform VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL, reason VARCHAR, traces {_LIST}, edge_count BIGINT""",
    # Every account of a dataset with its graded score (lockstep.networks.account_score), networks
    # or not, so accounts can be sorted below the network threshold.
    "account_scores": """
        dataset VARCHAR NOT NULL, platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
        score DOUBLE, evidence DOUBLE, partners INTEGER, best_trace VARCHAR, network_id INTEGER,
        set_aside BOOLEAN, signal_score DOUBLE""",
    # --- network identity and live following (issue 17) -----------------------------------------
    # Every durable network id a dataset ever had, active or not, with the members and evidence items
    # it was last seen with: the next run's networks are matched against these (networks.lineage).
    "network_lineage": f"""
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, status VARCHAR NOT NULL,
        first_seen TIMESTAMP, last_seen TIMESTAMP, size INTEGER, members {_LIST}, items {_LIST},
        PRIMARY KEY (dataset, network_id)""",
    # One row per lineage event (new, grew, shrank, merged, split, dormant, reactivated). ``seen_at`` is
    # when Lockstep saw it (wall clock), ``data_time`` the newest post the run saw (the data's clock),
    # first_post/last_post the times of the posts that made the change.
    "network_history": f"""
        dataset VARCHAR NOT NULL, network_id INTEGER NOT NULL, event VARCHAR NOT NULL,
        seen_at TIMESTAMP NOT NULL, data_time TIMESTAMP, size INTEGER, change INTEGER,
        related INTEGER[], accounts {_LIST}, first_post TIMESTAMP, last_post TIMESTAMP,
        run_id VARCHAR, sentence VARCHAR""",
    # Where each live source stopped (a file's size and mtime, a Jetstream cursor, stdin lines),
    # written in the same transaction as the posts it read, so a restart resumes exactly there.
    "follow_state": """
        dataset VARCHAR NOT NULL, source VARCHAR NOT NULL, position VARCHAR, updated_at TIMESTAMP,
        PRIMARY KEY (dataset, source)""",
    # Every alert raised, once: alert_id is derived from the rule and what triggered it, so a
    # restart that sees the same change raises nothing new.
    "alerts": f"""
        alert_id VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL, rule VARCHAR NOT NULL,
        network_id INTEGER, raised_at TIMESTAMP NOT NULL, data_time TIMESTAMP, first_post TIMESTAMP,
        last_post TIMESTAMP, size INTEGER, reason VARCHAR, link VARCHAR, accounts {_LIST},
        delivered_at TIMESTAMP""",
    # --- signals (issue: account signals) ----------------------------------------------------
    "account_signals": """
        dataset VARCHAR NOT NULL, platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
        signal VARCHAR NOT NULL, value DOUBLE, percentile DOUBLE, flagged BOOLEAN,
        sentence VARCHAR, extra JSON""",
}


def resolve_db_path(db: str | Path | None) -> Path:
    """``--db`` if given, else ``LOCKSTEP_DB``, else ``./lockstep.duckdb``."""
    from lockstep.config import Settings

    return Path(db) if db else Settings.from_env().db


class StoreLocked(StoreError):
    """Another process holds the store file: any process while it writes, or a reader while this
    process asks to write (DuckDB allows one writing process, or any number of reading ones)."""

    def __init__(self, message: str, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder  # "PID 1234" when DuckDB names it


def _lock_conflict(exc: duckdb.Error) -> str | None:
    """DuckDB's "Could not set lock on file ... Conflicting lock is held in ... (PID n)": the holder
    (``PID n``, or ``another process``); None for every other error."""
    msg = str(exc)
    if not isinstance(exc, duckdb.IOException) or "Could not set lock" not in msg:
        return None
    pid = re.search(r"\(PID (\d+)\)", msg)
    return f"PID {pid.group(1)}" if pid else "another process"


def open_waiting(path: str | Path, *, wait_s: float, read_only: bool = False,
                 on_wait: Callable[[str], None] | None = None) -> Store:
    """The store, waiting up to ``wait_s`` seconds while another process holds it (a reader such as
    `lockstep ui` or `lockstep networks` holds it for as long as one request or command takes).
    ``on_wait`` is told once, with a sentence naming the holder, when waiting starts. Past the
    deadline :class:`StoreLocked` says who holds it and how to wait longer. Every writing command
    (through ``lockstep.cli.common.open_store``) and every round of `lockstep follow` opens this way."""
    deadline = time.monotonic() + wait_s
    delay, told = 0.05, False
    while True:
        try:
            return Store(path, read_only=read_only)
        except StoreLocked as exc:
            if time.monotonic() + delay > deadline:
                raise StoreLocked(
                    f"The store '{path}' is held by another process ({exc.holder}) and was not released "
                    f"within {wait_s:g} s. Run this again when it is done (a `lockstep ui` only holds the "
                    "store while it answers a request), or wait longer: setting `store_wait_s` "
                    "(LOCKSTEP_STORE_WAIT_S).", exc.holder) from exc
            if not told and on_wait is not None:
                on_wait(f"The store '{path}' is held by another process ({exc.holder}); waiting up to "
                        f"{wait_s:g} s for it.")
            told = True
            log.info("store held by %s; retrying in %.2f s", exc.holder, delay)
            time.sleep(delay)
            delay = min(1.0, delay * 2)


class Store:
    """A DuckDB file with Lockstep's tables. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(
                f"No Lockstep store at '{self.path}'. Run 'lockstep ingest PATH' first, "
                "or point to a store with --db PATH or LOCKSTEP_DB."
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            holder = _lock_conflict(exc)
            if holder is not None:
                raise StoreLocked(f"Cannot open the store '{self.path}': another process ({holder}) holds it. "
                                  f"({exc})", holder) from exc
            raise StoreError(f"Cannot open the store '{self.path}': {exc}") from exc
        if not read_only:
            self.ensure_tables()

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def ensure_tables(self, tables: dict[str, str] | None = None) -> None:
        """Create missing tables. Stages with tables of their own pass them here."""
        for name, columns in (tables or TABLES).items():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing unit: a crash inside leaves the store as it was before."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- queries -----------------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run a query and return its rows as Arrow."""
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            )
        )

    def datasets(self) -> list[str]:
        # A dataset detected from Parquet (`detect --engine spark --posts`) has results but no posts here.
        return [r[0] for r in self.rows("SELECT dataset FROM posts UNION SELECT dataset FROM runs ORDER BY 1")]

    def resolve_dataset(self, dataset: str | None) -> str:
        """The dataset a command works on: the one named, or the only one in the store."""
        names = self.datasets()
        if dataset:
            if dataset not in names:
                have = ", ".join(repr(n) for n in names) or "none"
                raise StoreError(
                    f"The store '{self.path}' has no dataset {dataset!r} (it has: {have}). "
                    "Name one of those with --dataset, or ingest into it first."
                )
            return dataset
        if not names:
            raise StoreError(
                f"The store '{self.path}' holds no posts yet. Run 'lockstep ingest PATH' first."
            )
        if len(names) > 1:
            raise StoreError(
                f"The store '{self.path}' holds several datasets ({', '.join(names)}). "
                "Choose one with --dataset NAME."
            )
        return names[0]

    def replace_rows(self, table: str, dataset: str, data: pa.Table, **where: Any) -> None:
        """Delete this dataset's rows of ``table`` (optionally narrowed by ``where``) and insert
        ``data`` in their place, as one transaction."""
        conds = ["dataset = ?"] + [f"{k} = ?" for k in where]
        with self.transaction() as con:
            con.execute(f"DELETE FROM {table} WHERE {' AND '.join(conds)}", [dataset, *where.values()])
            if data.num_rows:
                self.append(table, data)

    def append(self, table: str, data: pa.Table) -> None:
        """Insert an Arrow table whose columns are a subset of ``table``'s, matched by name."""
        cols = ", ".join(identifier(c) for c in data.column_names)
        self.con.register("_lockstep_append", data)
        try:
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _lockstep_append")
        finally:
            self.con.unregister("_lockstep_append")

    # -- summaries ---------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts over the whole store, per dataset and per platform, and the time range."""
        posts, first, last = self.rows("SELECT count(*), min(time), max(time) FROM posts")[0]
        out: dict[str, Any] = {
            "db": str(self.path),
            "posts": int(posts),
            "accounts": int(self.scalar("SELECT count(*) FROM accounts")),
            "quarantined": int(self.scalar("SELECT count(*) FROM quarantine")),
            "first_post": first.isoformat() + "Z" if first else None,
            "last_post": last.isoformat() + "Z" if last else None,
            "posts_without_time_zone": int(
                self.scalar("SELECT count(*) FROM posts WHERE NOT time_zone_known")
            ),
        }
        per: dict[str, dict[str, Any]] = {}
        for ds, n, f, la in self.rows(
            "SELECT dataset, count(*), min(time), max(time) FROM posts GROUP BY 1 ORDER BY 1"
        ):
            per[ds] = {
                "posts": int(n),
                "first_post": f.isoformat() + "Z" if f else None,
                "last_post": la.isoformat() + "Z" if la else None,
            }
        for ds, n in self.rows("SELECT dataset, count(*) FROM accounts GROUP BY 1"):
            per.setdefault(ds, {"posts": 0})["accounts"] = int(n)
        for ds, n in self.rows("SELECT dataset, count(*) FROM quarantine GROUP BY 1"):
            per.setdefault(ds, {"posts": 0})["quarantined"] = int(n)
        for v in per.values():
            v.setdefault("accounts", 0)
            v.setdefault("quarantined", 0)
        out["datasets"] = per
        plat: dict[str, dict[str, int]] = {}
        for p, n in self.rows("SELECT platform, count(*) FROM posts GROUP BY 1 ORDER BY 1"):
            plat[p] = {"posts": int(n), "accounts": 0}
        for p, n in self.rows("SELECT platform, count(*) FROM accounts GROUP BY 1 ORDER BY 1"):
            plat.setdefault(p, {"posts": 0})["accounts"] = int(n)
        out["platforms"] = plat
        return out

    def export_posts(self, out: Path, fmt: str, dataset: str | None = None,
                     partition_by: Sequence[str] = ()) -> int:
        """Write posts (all, or one dataset's) to Parquet or CSV; returns the row count.

        ``partition_by`` (Parquet only; of :data:`PARTITION_COLUMNS`) writes a Hive-partitioned
        folder (``out/dataset=x/day=2024-03-01/data_0.parquet``) that Spark, DuckDB and other
        lake engines read back with the partition values as columns (``day``: the post's UTC date)."""
        where = "WHERE dataset = ?" if dataset else ""
        params = [dataset] if dataset else []
        n = int(self.scalar(f"SELECT count(*) FROM posts {where}", params))
        rel = f"SELECT * FROM posts {where} ORDER BY dataset, platform, time, post_id"
        target = literal(str(out))
        bad = [c for c in partition_by if c not in PARTITION_COLUMNS]
        if bad or (partition_by and fmt != "parquet"):
            raise StoreError(f"--partition-by takes {', '.join(PARTITION_COLUMNS)} with --format parquet; "
                             f"got {', '.join(partition_by)} with --format {fmt}.")
        if partition_by:
            cols = ", ".join(partition_by)
            rel = rel.replace("SELECT *", "SELECT *, strftime(time, '%Y-%m-%d') AS day", 1)
            self.con.execute(f"COPY ({rel}) TO {target} (FORMAT parquet, PARTITION_BY ({cols}), "
                             "OVERWRITE_OR_IGNORE)", params)
        elif fmt == "parquet":
            self.con.execute(f"COPY ({rel}) TO {target} (FORMAT parquet)", params)
        elif fmt == "csv":
            # Lists become JSON arrays in CSV; ingest reads them back (see ingest.lockstep_native).
            lists = ", ".join(
                f"to_json({c})::VARCHAR AS {c}" for c in ("urls", "domains", "hashtags", "mentions", "media_hashes")
            )
            rel = rel.replace("SELECT *", f"SELECT * REPLACE ({lists})", 1)
            self.con.execute(f"COPY ({rel}) TO {target} (FORMAT csv, HEADER)", params)
        else:
            raise StoreError(f"Unknown export format {fmt!r}: expected 'parquet' or 'csv'.")
        return n
