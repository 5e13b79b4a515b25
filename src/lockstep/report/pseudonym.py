"""Pseudonyms for accounts that are not notable, in anything Lockstep publishes.

An account is *notable* (shown as itself) when it is verified or has at least
``NOTABLE_FOLLOWERS`` followers: public figures and large pages are part of the story, private
individuals caught in a network are not. Others are shown as a keyed hash (HMAC-SHA256 with a key
only the publisher holds), stable across reports made with the same key, so a reader can follow one
account through a report without learning who it is.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from lockstep.errors import ConfigError

NOTABLE_FOLLOWERS = 10_000


def read_key(path: str | Path) -> bytes:
    """The key in a key file (its bytes, surrounding whitespace removed); at least 16 bytes."""
    p = Path(path)
    try:
        key = p.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"Cannot read the pseudonymization key file '{p}': {exc.strerror or exc}.") from exc
    if len(key) < 16:
        raise ConfigError(
            f"The key in '{p}' is {len(key)} bytes; use at least 16 random bytes "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))' > key.txt`)."
        )
    return key


def keyed_hash(key: bytes, platform: str, account_id: str) -> str:
    """HMAC-SHA256 of ``platform:account_id`` (account ids compared case-sensitively), hex."""
    return hmac.new(key, f"{platform}:{account_id}".encode(), hashlib.sha256).hexdigest()


class Pseudonymizer:
    """Decides how an account is named in published output."""

    def __init__(self, key: bytes | None = None, *, notable_followers: int = NOTABLE_FOLLOWERS) -> None:
        self.key = key
        self.notable_followers = notable_followers

    @property
    def active(self) -> bool:
        return self.key is not None

    def is_notable(self, followers: int | None, verified: bool | None) -> bool:
        return bool(verified) or (followers or 0) >= self.notable_followers

    def label(self, platform: str, account_id: str, handle: str | None,
              followers: int | None = None, verified: bool | None = None) -> str:
        """The handle (or id) for notable accounts or when off; else ``acct-<10 hex>``."""
        if self.key is None or self.is_notable(followers, verified):
            return handle or account_id
        return "acct-" + keyed_hash(self.key, platform, account_id)[:10]
