"""``lockstep serve``: run the TAXII 2.1 sharing server."""

from __future__ import annotations

import logging
import os

import click

from lockstep.cli.common import err_console
from lockstep.config import Settings
from lockstep.serve.settings import DEFAULT_MAX_CONTENT_LENGTH, ServeSettings, public_url_for

_D = ServeSettings(database_url="sqlite://")  # the defaults, shown in --help

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. The default accepts local connections only; put a TLS proxy in front "
                   "before binding a public address.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--database-url", default=None,
              help="SQLAlchemy URL of the server database. Default: $LOCKSTEP_DATABASE_URL, else "
                   "sqlite:///lockstep-server.sqlite.")
@click.option("--max-content-length", default=DEFAULT_MAX_CONTENT_LENGTH, show_default=True,
              type=click.IntRange(1024, None), help="Largest request body accepted, in bytes (else 413).")
@click.option("--max-envelope-objects", default=_D.max_envelope_objects, show_default=True,
              type=click.IntRange(1, None), help="Most objects one add request may hold (else 413).")
@click.option("--max-status-details", default=_D.max_status_details, show_default=True,
              type=click.IntRange(0, None),
              help="Per-object successes/failures kept in a status; past it, counts per reason instead.")
@click.option("--max-page-bytes", default=_D.max_page_bytes, show_default=True, type=click.IntRange(1024, None),
              help="Most bytes of objects in one page (a page holds at least one object).")
@click.option("--max-match-values", default=_D.max_match_values, show_default=True,
              type=click.IntRange(1, None), help="Most values one match[...] filter may list (else 400).")
@click.option("--max-pattern-length", default=_D.max_pattern_length, show_default=True,
              type=click.IntRange(64, None),
              help="Most characters of an indicator's STIX pattern (longer ones fail in the status).")
@click.option("--audit-unauthenticated-per-minute", default=_D.audit_unauthenticated_per_minute,
              show_default=True, type=click.IntRange(0, None),
              help="Audit rows per minute and client address for requests without valid credentials; "
                   "the rest are counted in one summary row.")
@click.option("--public-url", default=None,
              help="Base URL partners reach this server at, named in discovery (setting 'public_url', env "
                   "LOCKSTEP_PUBLIC_URL). Default: http://HOST:PORT/ of the bind address.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes. Paging tokens are stateless, so any worker serves any page.")
@click.option("--keep-alive", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds an idle keep-alive connection stays open (longer than most clients' pools, so a "
                   "request never races the server closing its connection).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log one line per request (paths only; credentials are never logged).")
def serve(host: str, port: int, database_url: str | None, max_content_length: int, max_envelope_objects: int,
          max_status_details: int, max_page_bytes: int, max_match_values: int, max_pattern_length: int,
          audit_unauthenticated_per_minute: int, public_url: str | None, workers: int, keep_alive: int,
          access_log: bool) -> None:
    """Serve TAXII 2.1 (discovery at /taxii2/) from the server database.

    The database schema is upgraded first (Alembic; the same as `lockstep admin db upgrade`).
    Create organisations, keys and collections with `lockstep admin ...` on the same database.
    """
    import uvicorn

    from lockstep.serve.database import make_engine, redact, upgrade

    base = Settings.load()
    settings = ServeSettings.from_settings(
        base, database_url=database_url, max_content_length=max_content_length,
        max_envelope_objects=max_envelope_objects, max_status_details=max_status_details,
        max_page_bytes=max_page_bytes, max_match_values=max_match_values, max_pattern_length=max_pattern_length,
        audit_unauthenticated_per_minute=audit_unauthenticated_per_minute,
        public_url=public_url or base.public_url or public_url_for(host, port))
    engine = make_engine(settings.database_url)
    rev = upgrade(engine)
    engine.dispose()
    err_console.print(f"database {redact(settings.database_url)} at schema revision {rev}; "
                      f"serving TAXII 2.1 on http://{host}:{port}/taxii2/ (discovery names {settings.public_url})",
                      highlight=False)
    if workers == 1:
        from lockstep.serve.app import create_app
        uvicorn.run(create_app(settings), host=host, port=port, access_log=access_log, log_level="info",
                    timeout_keep_alive=keep_alive)
    else:
        os.environ.update(settings.to_env())
        uvicorn.run("lockstep.serve.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    access_log=access_log, log_level="info", timeout_keep_alive=keep_alive)
