"""Settings of a running server, built once at the edge (``lockstep serve``) and passed down.

Every resource limit lives here with its default, so one hostile partner (or an unauthenticated
stranger) cannot make the server use unbounded memory, disk or CPU. ``docs/server.md`` ("Limits")
lists them; each is a ``lockstep serve`` flag and, for worker processes and other ASGI servers, an
environment variable (:data:`ENV`).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from lockstep.config import Settings
from lockstep.errors import ConfigError

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000/"

#: field -> (environment variable, smallest allowed value)
ENV: dict[str, tuple[str, int]] = {
    "max_content_length": ("LOCKSTEP_SERVE_MAX_CONTENT_LENGTH", 1024),
    "max_envelope_objects": ("LOCKSTEP_SERVE_MAX_ENVELOPE_OBJECTS", 1),
    "max_status_details": ("LOCKSTEP_SERVE_MAX_STATUS_DETAILS", 0),
    "max_page_bytes": ("LOCKSTEP_SERVE_MAX_PAGE_BYTES", 1024),
    "max_match_values": ("LOCKSTEP_SERVE_MAX_MATCH_VALUES", 1),
    "max_pattern_length": ("LOCKSTEP_SERVE_MAX_PATTERN_LENGTH", 64),
    "audit_unauthenticated_per_minute": ("LOCKSTEP_SERVE_AUDIT_UNAUTHENTICATED_PER_MINUTE", 0),
}
PUBLIC_URL_ENV = "LOCKSTEP_PUBLIC_URL"


def public_url_for(host: str, port: int) -> str:
    """The base URL discovery names when none is configured: the bind address itself."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"http://{host}:{port}/"


def check_public_url(url: str) -> str:
    """``url`` with one trailing slash, or ConfigError saying what a base URL looks like."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"The public URL {url!r} must be an http(s) base URL such as "
                          "'https://taxii.example.org/' (no query or fragment).")
    return url.strip().rstrip("/") + "/"


@dataclass(frozen=True)
class ServeSettings:
    database_url: str
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    #: objects one add request may hold (413 beyond): a 1 MB body of empty objects is ~330,000
    max_envelope_objects: int = 10_000
    #: per-object successes/failures kept in a status; past it, counts per reason instead
    max_status_details: int = 1_000
    #: JSON bytes of the objects in one page (a page always holds at least one object)
    max_page_bytes: int = 16 * 1024 * 1024
    #: values one match[...] filter may list (400 beyond)
    max_match_values: int = 1_000
    #: characters of one indicator's STIX pattern (refused in the status beyond)
    max_pattern_length: int = 8_192
    #: audit rows per minute and client address for requests without valid credentials
    audit_unauthenticated_per_minute: int = 60
    default_page_size: int = 100
    max_page_size: int = 1000
    public_url: str = DEFAULT_PUBLIC_URL
    title: str = "Lockstep TAXII 2.1 server"
    contact: str | None = None

    def __post_init__(self) -> None:
        for name, (env, low) in ENV.items():
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                flag = "--" + name.replace("_", "-")
                raise ConfigError(f"{flag} (env {env}) must be an integer of at least {low}. Got {value!r}.")
        if not 1 <= self.default_page_size <= self.max_page_size:
            raise ConfigError("The default page size must be between 1 and the maximum page size.")
        object.__setattr__(self, "public_url", check_public_url(self.public_url))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> ServeSettings:
        kw = {k: v for k, v in overrides.items() if v is not None}
        kw.setdefault("database_url", settings.database_url)
        if settings.public_url:
            kw.setdefault("public_url", settings.public_url)
        return cls(**kw)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """Environment for worker processes (``--workers N``), read back by :meth:`from_env`."""
        out = {"LOCKSTEP_DATABASE_URL": self.database_url, PUBLIC_URL_ENV: self.public_url}
        out.update({env: str(getattr(self, name)) for name, (env, _) in ENV.items()})
        return out

    @classmethod
    def from_env(cls) -> ServeSettings:
        kw: dict[str, object] = {}
        for f in fields(cls):
            if f.name in ENV and os.environ.get(ENV[f.name][0]):
                raw = os.environ[ENV[f.name][0]]
                try:
                    kw[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"{ENV[f.name][0]} must be an integer. Got {raw!r}.") from exc
        return cls.from_settings(Settings.load(), **kw)
