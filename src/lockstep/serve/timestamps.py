"""STIX/TAXII timestamps <-> integer microseconds since the epoch (UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_us(value: str) -> int:
    """Microseconds since the epoch for an RFC 3339 timestamp (fraction beyond 6 digits truncated).
    Raises ValueError with the offending value."""
    m = _TS.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp such as 2026-01-31T12:00:00.000Z")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                      tzinfo=UTC if tz in ("Z", "z") else datetime.strptime(tz, "%z").tzinfo)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date and time: {exc}") from exc
    us = int(((frac or "") + "000000")[:6])
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + us


def format_us(us: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (TAXII date_added keeps microseconds)."""
    secs, frac = divmod(us, 1_000_000)
    dt = datetime.fromtimestamp(secs, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:06d}Z"
