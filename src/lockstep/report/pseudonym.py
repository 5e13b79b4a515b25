"""Pseudonyms for accounts that are not notable, in anything Lockstep publishes.

An account is *notable* (shown as itself) when it is verified or has at least
``NOTABLE_FOLLOWERS`` followers: public figures and large pages are part of the story, private
individuals caught in a network are not. Others are shown as a keyed hash (HMAC-SHA256 with a key
only the publisher holds), stable across reports made with the same key, so a reader can follow one
account through a report without learning who it is.
"""

from __future__ import annotations

from lockstep.share.pseudonym import id_hash, keyed_hash, read_key

__all__ = ["NOTABLE_FOLLOWERS", "Pseudonymizer", "keyed_hash", "read_key"]

NOTABLE_FOLLOWERS = 10_000


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
        # The same keyed hash as STIX exports (share.pseudonym), shortened: a partner holding the
        # key can connect a report's pseudonym to an exported indicator, nobody else can.
        return "acct-" + id_hash(self.key, account_id)[:10]
