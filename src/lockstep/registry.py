"""Plug-in registries: built-ins are registered exactly like third-party entry points.

Three groups: ``lockstep.adapters`` (ingest formats), ``lockstep.detectors`` (traces) and
``lockstep.signals`` (account signals). A plug-in is a class with a unique ``name``; a second
class claiming a name already taken is refused, so a plug-in cannot silently shadow a built-in.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from lockstep.errors import ConfigError

BUILTINS: dict[str, list[str]] = {
    # Order matters for auto-detection: more specific formats are tried first.
    "lockstep.adapters": [
        "lockstep.ingest.lockstep_native:LockstepNative",
    ],
    "lockstep.detectors": [],
    "lockstep.signals": [],
}


def _load(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


@cache
def plugins(group: str) -> dict[str, Any]:
    """name -> class for one group: built-ins first, then installed entry points."""
    found: dict[str, Any] = {}
    sources: dict[str, str] = {}
    specs = [(s, "built-in") for s in BUILTINS.get(group, [])]
    specs += [(ep.value, f"entry point {ep.name!r}") for ep in entry_points(group=group)]
    for spec, origin in specs:
        cls = _load(spec)
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"The plug-in {spec} ({origin}) has no string attribute 'name'.")
        if name in found:
            if found[name] is cls:
                continue
            raise ConfigError(
                f"Two plug-ins in {group} are named {name!r}: {sources[name]} and {spec} "
                f"({origin}). Rename one of them; names are permanent keys."
            )
        found[name] = cls
        sources[name] = spec
    return found


def get(group: str, name: str) -> Any:
    table = plugins(group)
    if name not in table:
        raise ConfigError(
            f"Unknown {group.split('.')[-1][:-1]} {name!r}. Known: {', '.join(sorted(table))}."
        )
    return table[name]
