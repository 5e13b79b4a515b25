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
        "lockstep.ingest.telegram:TelegramExport",
        "lockstep.ingest.bluesky:BlueskyPosts",
        "lockstep.ingest.mastodon:MastodonStatuses",
        "lockstep.ingest.reddit:RedditDump",
        "lockstep.ingest.twitter_io:TwitterIOTweets",
        "lockstep.ingest.twitter_io:TwitterIOUsers",
        "lockstep.ingest.ira_csv:IRACsv",
        "lockstep.ingest.twarc:Twarc2Jsonl",
        "lockstep.ingest.twarc:TwarcCsv",
        "lockstep.ingest.crowdtangle:CrowdTangleCsv",
        "lockstep.ingest.cosharing:CoSharingTable",
        "lockstep.ingest.generic:MappedTable",
    ],
    "lockstep.detectors": [
        "lockstep.traces.co_repost:CoRepost",
        "lockstep.traces.co_link:CoLink",
        "lockstep.traces.co_domain:CoDomain",
        "lockstep.traces.co_text:CoText",
        "lockstep.traces.co_hashtag:CoHashtag",
        "lockstep.traces.co_reply:CoReply",
        "lockstep.traces.co_reply:CoMention",
        "lockstep.traces.co_image:CoImage",
        "lockstep.traces.sync:Sync",
        "lockstep.traces.sim_traces:SimHashtag",
        "lockstep.traces.sim_traces:SimDomain",
        "lockstep.traces.sim_traces:SimLink",
        "lockstep.traces.sim_traces:SimRepost",
        "lockstep.traces.sim_traces:SimMention",
        "lockstep.traces.sim_traces:SimReply",
        "lockstep.traces.co_template:CoTemplate",
    ],
    "lockstep.signals": [
        "lockstep.signals.creation_burst:CreationBurst",
        "lockstep.signals.sleeper:Sleeper",
        "lockstep.signals.handle_pattern:HandlePattern",
        "lockstep.signals.reused_identity:ReusedIdentity",
        "lockstep.signals.cadence:Cadence",
        "lockstep.signals.operator_clock:OperatorClock",
        "lockstep.signals.language_location:LanguageLocation",
    ],
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
