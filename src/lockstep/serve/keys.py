"""API keys: generation, salted hashing, constant-time verification.

A key is a public ``key_id`` (``lsk_`` + 16 hex digits) and a secret that starts with the key id:
``<key_id>.<256 random bits, URL-safe base64>``. Because the secret names its key, it works alone
as ``Authorization: Bearer <secret>`` (the server finds the key without trying them all) and as
HTTP Basic (user = key id, password = secret), which every TAXII client supports.

Only ``HMAC-SHA256(salt, secret)`` with a per-key random salt is stored. A slow KDF (scrypt,
PBKDF2) protects low-entropy *passwords* from guessing; a 256-bit random secret cannot be guessed,
so a fast keyed hash is as safe and keeps every request cheap. ``hash_alg`` is stored per key so
the scheme can change without invalidating old keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

HASH_ALG = "hmac-sha256-v1"
KEY_PREFIX = "lsk_"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret: str



def generate() -> NewKey:
    key_id = KEY_PREFIX + secrets.token_hex(8)
    return NewKey(key_id=key_id, secret=f"{key_id}.{secrets.token_urlsafe(32)}")


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_secret(secret: str, salt: str, alg: str = HASH_ALG) -> str:
    if alg != HASH_ALG:
        raise ValueError(f"unknown key hash algorithm {alg!r}")
    return hmac.new(bytes.fromhex(salt), secret.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(secret: str, salt: str, expected_hash: str, alg: str = HASH_ALG) -> bool:
    """Constant-time comparison of the secret's hash with the stored one."""
    try:
        return hmac.compare_digest(hash_secret(secret, salt, alg), expected_hash)
    except ValueError:
        return False


def split_token(token: str) -> tuple[str, str] | None:
    """A Bearer token (the secret) -> (key_id, secret), or None when it names no key."""
    key_id, sep, rest = token.partition(".")
    if not sep or not key_id.startswith(KEY_PREFIX) or not rest:
        return None
    return key_id, token
