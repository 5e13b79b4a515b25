"""Settings of a running workspace, built once at the edge (``lockstep ui``) and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UiSettings:
    #: the DuckDB store the pages read (opened read-only per request)
    db: Path
    #: the server database: users, sessions, verdicts, audit log (shared with `lockstep serve`)
    database_url: str
    #: mark the session cookie Secure (set when serving TLS, or behind a TLS proxy)
    secure_cookies: bool = False
    session_hours: int = 12
    login_failures_per_user: int = 5
    login_failures_per_address: int = 30
    title: str = "Lockstep workspace"
