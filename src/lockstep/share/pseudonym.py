"""Keyed hashes of account identifiers, so partners can match without raw identities.

HMAC-SHA256 with a key the sharing community holds: the same handle gives the same hash at every
partner that has the key, and nothing usable to anyone without it (a plain hash of a handle can
be reversed by hashing a list of handles; a keyed one cannot without the key).

What is hashed is the normalized identifier: handles lower-cased without a leading ``@``, account
ids as they are. The platform is not part of the hash; it travels in clear in the pattern.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from lockstep.errors import ConfigError

MIN_KEY_BYTES = 16


def read_key(path: Path) -> bytes:
    """The key from a file (its bytes, surrounding whitespace removed)."""
    if not path.is_file():
        raise ConfigError(f"No key file at '{path}'. Give the file holding the sharing community's key.")
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"The key in '{path}' is {len(key)} bytes; use at least {MIN_KEY_BYTES} random bytes "
            "(e.g. `python -c \"import secrets; print(secrets.token_hex(32))\" > key.txt`)."
        )
    return key


def normalize_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def handle_hash(key: bytes, handle: str) -> str:
    return keyed_hash(key, normalize_handle(handle))


def id_hash(key: bytes, account_id: str) -> str:
    return keyed_hash(key, account_id.strip())
