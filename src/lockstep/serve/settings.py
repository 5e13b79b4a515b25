"""Settings of a running server, built once at the edge (``lockstep serve``) and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass

from lockstep.config import Settings
from lockstep.errors import ConfigError

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


@dataclass(frozen=True)
class ServeSettings:
    database_url: str
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    default_page_size: int = 100
    max_page_size: int = 1000
    title: str = "Lockstep TAXII 2.1 server"
    contact: str | None = None

    def __post_init__(self) -> None:
        if self.max_content_length < 1024:
            raise ConfigError(f"--max-content-length must be at least 1024 bytes. Got {self.max_content_length}.")
        if not 1 <= self.default_page_size <= self.max_page_size:
            raise ConfigError("The default page size must be between 1 and the maximum page size.")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> ServeSettings:
        kw = {k: v for k, v in overrides.items() if v is not None}
        kw.setdefault("database_url", settings.database_url)
        return cls(**kw)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """Environment for worker processes (``--workers N``), read back by :meth:`from_env`."""
        return {"LOCKSTEP_DATABASE_URL": self.database_url,
                "LOCKSTEP_SERVE_MAX_CONTENT_LENGTH": str(self.max_content_length)}

    @classmethod
    def from_env(cls) -> ServeSettings:
        base = Settings.load()
        mcl = os.environ.get("LOCKSTEP_SERVE_MAX_CONTENT_LENGTH")
        return cls.from_settings(base, max_content_length=int(mcl) if mcl else None)
