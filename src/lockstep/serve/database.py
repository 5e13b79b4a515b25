"""Engine creation and schema migrations for the sharing server's database.

SQLite (the default) gets WAL mode and a busy timeout, so several uvicorn workers and the admin
commands can share one file; a new file is created readable by its owner only (0600; SQLite gives
its ``-wal`` and ``-shm`` files the same mode), since it holds TLP:RED objects and key hashes.
PostgreSQL is used as is. The schema is managed by Alembic with the
scripts packaged in ``lockstep/serve/migrations``: :func:`upgrade` brings any database to the
newest revision, :func:`check_current` refuses to serve an old one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from lockstep.errors import ConfigError, StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def now_us() -> int:
    return time.time_ns() // 1000


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"The database URL {url!r} is not a SQLAlchemy URL. Use e.g. 'sqlite:///server.sqlite' or "
            "'postgresql+psycopg://user@host:5432/dbname'."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _create_private(database: str | None) -> None:
    """Create a missing SQLite database file with mode 0600 before SQLite creates it world-readable."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return  # an existing file keeps the mode its owner chose; a missing folder gets SQLite's own error
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str | None:
    """Bring the database to the newest schema (idempotent). Returns the revision now current."""
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"Cannot reach or migrate the server database {redact(str(engine.url))}: {exc.orig}. "
            "Check --database-url / LOCKSTEP_DATABASE_URL and that the server is running."
        ) from exc
    rev = current_revision(engine)
    log.info("server database at revision %s", rev)
    return rev


def check_current(engine: Engine) -> None:
    """Raise a clear error when the database is not at the newest schema revision."""
    cur, head = current_revision(engine), head_revision()
    if cur != head:
        raise StoreError(
            f"The server database {redact(str(engine.url))} is at schema revision {cur!r}, not {head!r}. "
            "Run `lockstep admin db upgrade` (or start `lockstep serve`, which upgrades first)."
        )
