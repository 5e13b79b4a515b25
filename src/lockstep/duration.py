"""Durations typed by people (``90s``, ``5m``, ``72h``, ``7d``) as seconds, for every option that takes one
(``follow --every/--window/--settle``, ``networks --changes-since``, alert rules)."""

from __future__ import annotations

import re

from lockstep.errors import ConfigError

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


def parse_duration(value: str | float, *, what: str = "duration") -> float:
    """``"5m"`` -> 300.0. A bare number is seconds. Raises :class:`ConfigError` naming ``what``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _RE.match(str(value).lower())
        if not m or m.group(2) not in {*_UNITS, ""}:
            raise ConfigError(f"The {what} must be a duration such as 90s, 5m, 72h or 7d. Got {value!r} instead.")
        seconds = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if seconds <= 0:
        raise ConfigError(f"The {what} must be longer than zero. Got {value!r} instead.")
    return seconds
