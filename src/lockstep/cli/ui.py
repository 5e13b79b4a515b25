"""``lockstep ui``: the analysts' workspace in the browser."""

from __future__ import annotations

from pathlib import Path

import click

from lockstep.cli.common import db_option, err_console
from lockstep.config import Settings
from lockstep.hosts import is_loopback


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. The default accepts local connections only; anything else should be "
                   "served over TLS (--tls-cert/--tls-key, or a TLS proxy and --secure-cookies).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--database-url", default=None,
              help="SQLAlchemy URL of the server database (users, verdicts, audit log). Default: "
                   "$LOCKSTEP_DATABASE_URL, else sqlite:///lockstep-server.sqlite.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="PEM certificate: serve HTTPS (session cookies are then marked Secure).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="PEM private key of --tls-cert.")
@click.option("--secure-cookies", is_flag=True, default=False,
              help="Mark cookies Secure without serving TLS here (behind a TLS-terminating proxy).")
@click.option("--session-hours", default=12, show_default=True, type=click.IntRange(1, 24 * 30),
              help="Hours a sign-in lasts.")
@db_option
def ui(host: str, port: int, database_url: str | None, tls_cert: Path | None, tls_key: Path | None,
       secure_cookies: bool, session_hours: int, db: Path | None) -> None:
    """Serve the analysts' workspace: review networks, record verdicts, export what is confirmed.

    Pages read the store (--db) read-only; users, verdicts and the audit log live in the server
    database shared with `lockstep serve`, whose schema is upgraded first. Add users with
    `lockstep admin user add`. Open http://HOST:PORT/ in a browser and sign in.
    """
    import uvicorn

    from lockstep.serve.database import make_engine, redact, upgrade
    from lockstep.store import resolve_db_path
    from lockstep.ui.app import create_app
    from lockstep.ui.settings import UiSettings

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together.")
    path = resolve_db_path(db)
    if not path.exists():
        raise click.UsageError(f"No Lockstep store at '{path}'. Run `lockstep demo` or `lockstep ingest` and "
                               "`lockstep detect` first, or point to a store with --db.")
    url = database_url or Settings.load().database_url
    engine = make_engine(url)
    rev = upgrade(engine)
    engine.dispose()
    tls = tls_cert is not None
    if not is_loopback(host) and not tls:
        err_console.print(f"[bold yellow]Warning:[/] binding {host} without TLS: passwords and session cookies "
                          "cross the network in clear. Use --tls-cert/--tls-key, or a TLS proxy and "
                          "--secure-cookies.", highlight=False)
    settings = UiSettings(db=path, database_url=url, secure_cookies=secure_cookies or tls,
                          session_hours=session_hours)
    scheme = "https" if tls else "http"
    err_console.print(f"store {path}; database {redact(url)} at schema revision {rev}; "
                      f"workspace on {scheme}://{host}:{port}/", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)
