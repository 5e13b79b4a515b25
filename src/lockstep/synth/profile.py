"""The knobs of the synthetic benchmark: one frozen profile, three presets, TOML overrides.

Why presets: detection quality must be read against a stated difficulty. ``easy`` plants loud,
fast, profile-obvious networks; ``hard`` spreads actions over longer delays, edits copied text more,
hides members behind more camouflage and gives fewer profile tells. A TOML file may start from a
preset (``difficulty = "hard"``) and override any field by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from lockstep.errors import ConfigError

STYLES = (
    "copypasta", "link_farm", "repost_ring", "hashtag_campaign",
    "image_reuse", "sleeper", "foreign_clock", "low_and_slow",
)
NEGATIVE_GROUPS = ("news_event", "viral_repost", "common_phrase", "fan_community", "automated_benign",
                   "local_community", "outlet_template")


@dataclass(frozen=True)
class SynthProfile:
    """Every parameter of one benchmark run (see docs/benchmark.md for what each models)."""

    days: int = 30
    # days of crowd history before any operation acts (the history a live `follow` already holds;
    # bench/follow.py stores them first): operations act over the remaining days only
    quiet_days: int = 0
    start: str = "2024-03-04"  # a Monday, 00:00 UTC
    posts_per_account: float = 20.0  # mean organic activity; the tail is lognormal
    activity_sigma: float = 1.3
    other_platform_share: float = 0.12  # telegram + facebook accounts
    # organic post mix
    repost_share: float = 0.33
    reply_share: float = 0.10
    url_share: float = 0.22
    hashtag_share: float = 0.18
    media_share: float = 0.08
    # operations
    operation_account_share: float = 0.03
    min_network_size: int = 5
    max_network_size: int = 200
    coordinated_posts_per_member: float = 18.0
    camouflage_share: float = 0.40  # of a member's posts that are organic-looking
    delay_median_s: float = 90.0  # lag of members behind a coordinated action
    slow_spread_h: float = 6.0  # low_and_slow: actions spread over this many hours
    edit_rate: float = 0.25  # copypasta: chance per variant of each small edit
    participation: float = 0.6  # share of members joining each coordinated action
    profile_tell_prob: float = 0.5  # chance a network gets inauthentic-looking profiles
    working_clock_share: float = 0.8  # networks (other than foreign_clock) on an operator clock
    cross_platform_share: float = 0.25  # networks with members on telegram/facebook too
    # hard negatives
    news_events_per_100k: float = 3.0
    news_event_max_accounts: int = 3000
    viral_posts_per_100k: float = 3.0
    viral_max_reposters: int = 2000
    phrase_share: float = 0.02  # of organic originals replaced by a common phrase
    fan_communities: int = 4
    fan_community_max: int = 1500
    benign_bots: int = 12
    local_communities: int = 6  # city/team hashtag communities over weeks (time-free look-alikes)
    local_community_max: int = 800
    template_outlets: int = 3  # outlets whose disclosed city feeds post in one house template
    # text style: share of accounts with personal writing habits (capitals, end marks, emoji, spacing);
    # 0 keeps every generated sentence plain (synth --embed turns it on: see synth/habits.py)
    style_habits: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, SynthProfile] = {
    "easy": SynthProfile(
        camouflage_share=0.15, delay_median_s=30.0, slow_spread_h=2.0, edit_rate=0.08,
        participation=0.8, profile_tell_prob=0.8, coordinated_posts_per_member=25.0,
    ),
    "default": SynthProfile(),
    "hard": SynthProfile(
        camouflage_share=0.65, delay_median_s=300.0, slow_spread_h=12.0, edit_rate=0.45,
        participation=0.4, profile_tell_prob=0.25, coordinated_posts_per_member=12.0,
        min_network_size=5, max_network_size=120,
    ),
}

_RANGES: dict[str, tuple[float, float]] = {
    "days": (1, 3650), "quiet_days": (0, 3649), "posts_per_account": (1, 10_000), "activity_sigma": (0, 4),
    "min_network_size": (2, 10_000), "max_network_size": (2, 10_000),
    "delay_median_s": (0, 86_400), "slow_spread_h": (0.1, 168), "benign_bots": (0, 10_000),
    "fan_communities": (0, 1000), "news_event_max_accounts": (1, 10**7), "viral_max_reposters": (1, 10**7),
    "news_events_per_100k": (0, 1000), "viral_posts_per_100k": (0, 1000),
    "coordinated_posts_per_member": (1, 10_000), "fan_community_max": (1, 10**7),
    "local_communities": (0, 19), "local_community_max": (1, 10**7), "template_outlets": (0, 8),
}


def validate(p: SynthProfile, where: str = "the profile") -> SynthProfile:
    """Refuse out-of-range values with the field, the value and the allowed range."""
    for f in fields(p):
        v = getattr(p, f.name)
        if f.name == "start":
            try:
                import datetime as dt

                dt.date.fromisoformat(v)
            except (TypeError, ValueError):
                raise ConfigError(f"'start' in {where} must be a date like 2024-03-04. Got {v!r}.") from None
            continue
        lo, hi = _RANGES.get(f.name, (0.0, 1.0))
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
            raise ConfigError(f"'{f.name}' in {where} must be a number in [{lo}, {hi}]. Got {v!r} instead.")
    if p.min_network_size > p.max_network_size:
        raise ConfigError(f"'min_network_size' ({p.min_network_size}) exceeds 'max_network_size' "
                          f"({p.max_network_size}) in {where}.")
    if p.quiet_days >= p.days:
        raise ConfigError(f"'quiet_days' ({p.quiet_days}) must be fewer than 'days' ({p.days}) in {where}: "
                          "the operations need days to act in.")
    if p.repost_share + p.reply_share > 0.9:
        raise ConfigError(f"'repost_share' + 'reply_share' must be at most 0.9 in {where}.")
    return p


def preset(name: str) -> SynthProfile:
    if name not in PRESETS:
        raise ConfigError(f"Unknown difficulty {name!r}. Choose one of: {', '.join(PRESETS)}.")
    return PRESETS[name]


def load_profile(path: Path) -> SynthProfile:
    """A profile from TOML: optional ``difficulty = "..."`` base, then field overrides."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read the profile '{path}': {exc.strerror or exc}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The profile '{path}' is not valid TOML: {exc}.") from exc
    base = preset(str(data.pop("difficulty", "default")))
    known = {f.name: f for f in fields(SynthProfile)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"Unknown field(s) {', '.join(unknown)} in the profile '{path}'. "
                          f"Known fields: {', '.join(known)}.")
    cast: dict[str, Any] = {k: (float(v) if isinstance(getattr(base, k), float) and isinstance(v, int) else v)
            for k, v in data.items()}
    return validate(replace(base, **cast), f"the profile '{path}'")
