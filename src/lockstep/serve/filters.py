"""Query parameters of the TAXII read endpoints, parsed and checked, and the stateless paging token.

The ``next`` token is URL-safe base64 of ``{"v": 1, "s": SEQ}``: the server-assigned sequence
number of the last row of the previous page. Sequence numbers are handed out under a write lock
at commit time (see :mod:`lockstep.serve.objects`), so every object committed later has a larger
one: paging with the token never misses or repeats a row, on any worker. The token carries no
authority: every page re-applies authentication, rights, TLP rules and filters.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field

from starlette.datastructures import QueryParams

from lockstep.serve.http import TaxiiError
from lockstep.serve.timestamps import parse_us

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*--[0-9a-fA-F-]{36}$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: the largest sequence number a token may carry (a 64-bit signed column on every backend)
MAX_SEQ = 2**63 - 1
KNOWN = {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"}


@dataclass
class Filters:
    added_after_us: int | None = None
    limit: int = 0
    after_seq: int = 0
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # 'first', 'last', 'all' (timestamps go below)
    version_us: list[int] = field(default_factory=list)
    spec_versions: list[str] = field(default_factory=list)


def encode_next(seq: int) -> str:
    raw = json.dumps({"v": 1, "s": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_next(token: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        seq = data["s"]
        if data.get("v") != 1 or type(seq) is not int or not 0 <= seq <= MAX_SEQ:
            raise ValueError
        return seq
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise TaxiiError(400, "Bad Request", f"The 'next' value {token[:80]!r} is not a token this "
                         "server issued; use the 'next' of the previous response unchanged.") from exc


def _list(params: QueryParams, name: str, max_values: int) -> list[str]:
    out: list[str] = []
    for v in params.getlist(name):
        out += [p.strip() for p in v.split(",") if p.strip()]
        if len(out) > max_values:
            raise TaxiiError(400, "Bad Request", f"{name} lists more than {max_values} values; this server "
                             "accepts at most that many per filter (--max-match-values). Split the query.")
    return out


def parse(params: QueryParams, *, allowed: set[str], default_limit: int, max_limit: int,
          default_version: str | None = "last", max_values: int = 1000) -> Filters:
    f = Filters(limit=default_limit)
    for name in params:
        if name.startswith("match[") and name not in allowed:
            raise TaxiiError(400, "Bad Request", f"The filter {name!r} is not supported on this endpoint. "
                             f"Supported: {', '.join(sorted(allowed))}.")
    if "added_after" in allowed and params.get("added_after"):
        try:
            f.added_after_us = parse_us(params["added_after"])
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request", f"added_after: {exc}.") from exc
    if "limit" in allowed and params.get("limit"):
        try:
            f.limit = int(params["limit"])
            if f.limit < 1:
                raise ValueError
        except ValueError as exc:
            raise TaxiiError(400, "Bad Request",
                             f"limit must be a positive integer. Got {params['limit']!r}.") from exc
        f.limit = min(f.limit, max_limit)
    if "next" in allowed and params.get("next"):
        f.after_seq = decode_next(params["next"])
    f.ids = _list(params, "match[id]", max_values)
    for i in f.ids:
        if not _ID.match(i):
            raise TaxiiError(400, "Bad Request", f"match[id] values must be STIX ids like "
                             f"'indicator--<uuid>'. Got {i!r}.")
    f.types = _list(params, "match[type]", max_values)
    for t in f.types:
        if not _TYPE.match(t):
            raise TaxiiError(400, "Bad Request", f"match[type] values must be STIX types. Got {t!r}.")
    versions = _list(params, "match[version]", max_values) or ([default_version] if default_version else [])
    for v in versions:
        if v in ("first", "last", "all"):
            f.versions.append(v)
        else:
            try:
                f.version_us.append(parse_us(v))
            except ValueError as exc:
                raise TaxiiError(400, "Bad Request", f"match[version] takes first, last, all or "
                                 f"timestamps: {exc}.") from exc
    f.spec_versions = _list(params, "match[spec_version]", max_values)
    return f
