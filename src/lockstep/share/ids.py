"""Deterministic STIX ids and timestamps, so that a re-export updates objects instead of
duplicating them: the same network, indicator or relationship always gets the same id."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from functools import lru_cache

#: Lockstep's own namespace for UUIDv5 (itself derived from a fixed URL, never to change).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://lockstep.invalid/stix/v1")
_NS = NAMESPACE.bytes


def uuid5_hex(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))`` without building UUID objects (exports make 100,000s)."""
    b = bytearray(hashlib.sha1(_NS + name.encode("utf-8")).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stix_id(kind: str, *key: object) -> str:
    """``kind--uuid5(kind|key...)``."""
    name = "\x1f".join([kind, *("" if k is None else str(k) for k in key)])
    return f"{kind}--{uuid5_hex(name)}"


@lru_cache(maxsize=1 << 16)
def _fmt(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def ts(value: datetime | str | None, default: str = "2020-01-01T00:00:00.000Z") -> str:
    """A STIX timestamp (UTC, millisecond precision, ``Z``) from a naive-UTC or aware datetime."""
    if value is None:
        return default
    if isinstance(value, str):
        return value
    return _fmt(value)
