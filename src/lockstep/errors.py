"""One exception tree for the whole library.

The library raises; only the edges (CLI, HTTP API) translate errors into exit codes or JSON.
Every message says what went wrong, quotes the value and gives the fix.
"""

from __future__ import annotations


class LockstepError(Exception):
    """Root of every error Lockstep raises on purpose."""

    #: CLI exit status for this kind of error (2: the user's input, 3: an external dependency).
    exit_code = 2


class ConfigError(LockstepError):
    """A setting, option or parameter is out of range or missing."""


class SourceError(LockstepError):
    """An input file is not what was asked for, or cannot be read at all."""


class StoreError(LockstepError):
    """The store cannot be opened, or holds nothing that the command needs."""


class EngineError(LockstepError):
    """The engine (DuckDB, Spark) failed to run a query."""

    exit_code = 3


class DetectorError(LockstepError):
    """A trace detector was given bad parameters or failed."""


class ShareError(LockstepError):
    """STIX / TAXII / indicator work failed."""
