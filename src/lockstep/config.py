"""Settings: built once at the edge (CLI, server) and passed down. Precedence: env > file > default.

The file is TOML (``lockstep.toml`` in the working directory, or ``LOCKSTEP_CONFIG``); keys are the
field names below. No import-time singletons: call :meth:`Settings.load`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from lockstep.errors import ConfigError

#: Default ``max_record_bytes`` (used by ``lockstep.ingest.guard``): one record (a JSON line, a CSV row, a JSON array element).
DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024
#: Default ``max_expansion_ratio``: decompressed bytes per compressed byte. Real exports
#: (JSONL, CSV) compress 5 to 20 times; zstd's best settings on repetitive logs reach ~100.
DEFAULT_MAX_EXPANSION_RATIO = 1000

#: field name -> (environment variable, help text)
ENV = {
    "db": ("LOCKSTEP_DB", "DuckDB store file used by every command"),
    "database_url": ("LOCKSTEP_DATABASE_URL", "SQLAlchemy URL of the sharing server's database"),
    "organisation": ("LOCKSTEP_ORGANISATION", "name of the producing organisation in STIX exports"),
    "embed_backend": ("LOCKSTEP_EMBED_BACKEND", "text embedding backend: minilm or tfidf"),
    "max_record_bytes": ("LOCKSTEP_MAX_RECORD_BYTES", "largest input record ingest reads (bigger: quarantined)"),
    "max_expansion_ratio": ("LOCKSTEP_MAX_EXPANSION_RATIO", "most a compressed input may expand before ingest stops it"),
    "public_url": ("LOCKSTEP_PUBLIC_URL", "base URL partners reach the sharing server at (discovery names it)"),
    "engine": ("LOCKSTEP_ENGINE", "engine `lockstep detect` runs on: duckdb (one machine) or spark"),
    "spark_master": ("LOCKSTEP_SPARK_MASTER", "Spark master of the spark engine: local[*], spark://host:7077, yarn"),
    "store_wait_s": ("LOCKSTEP_STORE_WAIT_S", "seconds a writing command waits while another process holds the store"),
}
#: Settings that are whole numbers of at least 1.
_POSITIVE_INTS = ("max_record_bytes", "max_expansion_ratio")
#: Settings that are whole numbers of at least 0.
_NATURAL_INTS = ("store_wait_s",)


@dataclass(frozen=True)
class Settings:
    """Every setting with its default. See ``docs/configuration.md``."""

    db: Path = Path("lockstep.duckdb")
    database_url: str = "sqlite:///lockstep-server.sqlite"
    organisation: str = "Lockstep user"
    embed_backend: str = "minilm"
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_expansion_ratio: int = DEFAULT_MAX_EXPANSION_RATIO
    public_url: str = ""  # empty: derived from `lockstep serve --host/--port`
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    store_wait_s: int = 60  # a reader (`lockstep ui`, `networks`) holds the store for one request or command

    @classmethod
    def load(cls, config_file: str | Path | None = None) -> Settings:
        """Defaults, overridden by the TOML file (if any), overridden by the environment."""
        s = cls()
        path = Path(config_file or os.environ.get("LOCKSTEP_CONFIG", "lockstep.toml"))
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"The config file '{path}' is not valid TOML: {exc}") from exc
            s = s._merge(data, origin=f"config file '{path}'")
        return s._merge(
            {k: os.environ[v] for k, (v, _) in ENV.items() if os.environ.get(v)},
            origin="environment",
        )

    @classmethod
    def from_env(cls) -> Settings:
        return cls.load()

    def _merge(self, data: dict[str, Any], *, origin: str) -> Settings:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"Unknown setting(s) {', '.join(map(repr, unknown))} in the {origin}. "
                f"Known settings: {', '.join(sorted(known))}."
            )
        typed: dict[str, Any] = {
            k: Path(v) if k == "db" else _positive_int(k, v, origin) if k in _POSITIVE_INTS
            else _positive_int(k, v, origin, least=0) if k in _NATURAL_INTS else str(v)
            for k, v in data.items()
        }
        return replace(self, **typed)


def _positive_int(key: str, value: Any, origin: str, least: int = 1) -> int:
    try:
        number = int(str(value).replace("_", "").strip())
    except ValueError:
        number = least - 1
    if isinstance(value, bool) or number < least:
        raise ConfigError(f"Setting {key!r} in the {origin} must be a whole number of at least {least}, got {value!r}.")
    return number
