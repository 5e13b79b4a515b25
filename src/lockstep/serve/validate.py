"""Checks on each STIX object of an add request, before anything is stored.

The ``stix2`` library parses every object (required properties, types, timestamps, id format);
custom objects are accepted when their core properties are sound. Only STIX 2.1 is stored.
Marking fields are checked strictly and classified by :mod:`lockstep.share.tlp` (the one TLP
module): a malformed marking field or an unknown TLP name is a :class:`~lockstep.share.tlp.MarkingError`,
which the route answers with 400 for the whole request; a marking the server cannot classify
stores the object as RED.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stix2
import stix2.exceptions

from lockstep.serve.timestamps import parse_us
from lockstep.share import tlp

_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
#: the objects table holds types of up to 100 characters (ids: type + '--' + uuid, up to 200)
MAX_TYPE = 100
#: brackets and parentheses a STIX pattern may nest: the stix2 pattern parser recurses per level
MAX_PATTERN_DEPTH = 50


def _check_pattern(pattern: object, max_length: int) -> None:
    """Refuse patterns whose parsing alone would exhaust the stack or the CPU, before parsing."""
    if not isinstance(pattern, str):
        return  # stix2 says what is wrong with it
    if len(pattern) > max_length:
        raise ValueError(f"the pattern is {len(pattern)} characters; this server accepts at most {max_length}")
    depth = deepest = 0
    quoted = False
    for ch in re.sub(r"\\.", "", pattern):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and ch in ")]":
            depth -= 1
    if deepest > MAX_PATTERN_DEPTH:
        raise ValueError(f"the pattern nests {deepest} levels of brackets; at most {MAX_PATTERN_DEPTH} are accepted")


@dataclass(frozen=True)
class Checked:
    object_id: str
    object_type: str
    version: str | None  # None: the object has neither modified nor created (version = date_added)
    version_us: int | None
    spec_version: str
    tlp: int
    body: str


def check(obj: Any, definitions: Mapping[str, Mapping[str, Any]] | None = None, *,
          max_pattern_length: int = 8_192) -> Checked:
    """The stored form of one object, or ValueError saying what is wrong with it (MarkingError for
    marking fields). ``definitions``: marking-definitions by lower-case id, for custom markings."""
    if not isinstance(obj, dict):
        raise ValueError(f"each entry of 'objects' must be a JSON object, got {type(obj).__name__}")
    otype, oid = obj.get("type"), obj.get("id")
    if not isinstance(otype, str) or not _TYPE.match(otype):
        raise ValueError(f"'type' must be a STIX type name, got {str(otype)[:300]!r}")
    if len(otype) > MAX_TYPE:
        raise ValueError(f"'type' {otype[:60]!r}... has {len(otype)} characters; this server stores types of "
                         f"at most {MAX_TYPE}")
    if not isinstance(oid, str) or not oid.startswith(otype + "--"):
        raise ValueError(f"'id' must be '{otype}--<uuid>', got {oid!r}")
    try:
        uuid.UUID(oid.split("--", 1)[1])
    except ValueError as exc:
        raise ValueError(f"'id' {oid!r} does not end in a UUID") from exc
    tlp.check_markings(obj)
    spec = obj.get("spec_version", "2.1")
    if spec != "2.1":
        raise ValueError(f"only STIX 2.1 objects are accepted, this one has spec_version {spec!r}")
    if otype == "indicator":
        _check_pattern(obj.get("pattern"), max_pattern_length)
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except RecursionError as exc:
        raise ValueError("not valid STIX 2.1: nested too deeply to parse") from exc
    except Exception as exc:  # the library is not hardened: hostile shapes raise what they raise
        # (an extension that is not an object raised AttributeError, a 500 for the whole envelope)
        raise ValueError(f"not valid STIX 2.1: {type(exc).__name__}: {str(exc)[:200]}") from exc
    version = obj.get("modified") or obj.get("created")
    version_us = None
    if version is not None:
        if not isinstance(version, str) or version != version.strip():
            raise ValueError(f"'modified'/'created' must be timestamps, got {str(version)[:100]!r}")
        version_us = parse_us(version)
    return Checked(oid, otype, version, version_us, "2.1", tlp.rank(obj, definitions),
                   json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
