"""Whether a host name or address is this machine: one answer for every place that decides if a
secret or a session would cross a network (``lockstep ui`` binding without TLS, TAXII credentials
sent over plain http)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for loopback addresses (127.0.0.0/8, ::1, with or without IPv6 brackets), 'localhost'
    and names under '.localhost' (RFC 6761 keeps them on this machine); False for anything else,
    including every other name (a name may resolve anywhere)."""
    h = host.strip().rstrip(".").lower().removeprefix("[").removesuffix("]")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False
