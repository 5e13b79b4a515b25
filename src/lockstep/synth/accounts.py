"""Accounts: profiles that look like a real platform's, and truth about who belongs where.

Organic profiles mix handle patterns, names, bios, locations and creation dates spread over years.
Operation members get *inauthentic-looking* profiles only with some probability per network (name +
digits handles, one template, reused bios and avatars, a creation burst), so that profiles alone
cannot solve the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lockstep.synth import words as W

PLATFORMS = ("twitter", "telegram", "facebook")
DAY_S = 86_400
#: Share of organic accounts using each client app (index into ``words.CLIENTS[platform]``).
CLIENT_WEIGHTS = (0.42, 0.33, 0.14, 0.04, 0.03, 0.025, 0.015)


def _pick(rng: np.random.Generator, seq: tuple[str, ...], n: int) -> list[str]:
    return [seq[i] for i in rng.integers(0, len(seq), n)]


def hex64(values: np.ndarray) -> list[str]:
    return [f"{int(v):016x}" for v in values]


def flip_bits(rng: np.random.Generator, values: np.ndarray, max_bits: int) -> np.ndarray:
    """Perceptual-hash variants: flip 0..max_bits random bits of each 64-bit value."""
    out = values.astype(np.uint64).copy()
    nflips = rng.integers(0, max_bits + 1, len(out))
    for k in range(max_bits):
        bit = rng.integers(0, 64, len(out)).astype(np.uint64)
        mask = np.where(nflips > k, np.left_shift(np.uint64(1), bit), np.uint64(0))
        out ^= mask
    return out.astype(np.int64)


@dataclass
class AccountBook:
    """Columns of every account, appended group by group; index = account number in the skeleton."""

    cols: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "platform", "handle", "display_name", "bio", "created_s", "followers", "following", "verified",
        "language", "location", "avatar", "client", "offset_h", "network_id", "style")})
    negative: dict[int, set[str]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.cols["platform"])

    def extend(self, **cols: list) -> np.ndarray:
        start = self.n
        size = len(cols["platform"])
        for k, v in self.cols.items():
            v.extend(cols[k] if k in cols else [None] * size)
        return np.arange(start, start + size, dtype=np.int64)

    def mark(self, accounts: np.ndarray, group: str) -> None:
        for a in np.unique(accounts).tolist():
            self.negative.setdefault(int(a), set()).add(group)


def _handles(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    first, last, noun = _pick(rng, W.FIRST_NAMES, n), _pick(rng, W.LAST_NAMES, n), _pick(rng, W.NOUNS, n)
    pattern = rng.choice(6, size=n, p=[0.25, 0.2, 0.2, 0.15, 0.1, 0.1])
    num = rng.integers(1, 100, n)
    year = rng.integers(1960, 2008, n)
    handles, names = [], []
    for i in range(n):
        f, la, no, p = first[i], last[i], noun[i], pattern[i]
        h = (f"{f}{la}", f"{f}_{la}", f"{f}{no}", f"{no}{f}{num[i]}", f"{f}{year[i] % 100:02d}",
             f"the{no}{la}")[p]
        handles.append(h[:15])
        names.append(f"{f.title()} {la.title()}" if p != 5 else f"{no.title()} {la.title()}")
    return handles, names


def organic_profiles(rng: np.random.Generator, platform: np.ndarray, offset_h: np.ndarray,
                     start_s: int) -> dict[str, list]:
    """Profiles of ordinary users: varied handles and bios, creation dates over many years."""
    n = len(platform)
    handles, names = _handles(rng, n)
    interests = [_pick(rng, W.INTERESTS, n) for _ in range(2)]
    tails = _pick(rng, W.BIO_TAILS, n)
    has_bio = rng.random(n) < 0.75
    bios = [f"{interests[0][i].capitalize()}, {interests[1][i]}. {tails[i]}".strip() if has_bio[i] else None
            for i in range(n)]
    age_days = np.clip(np.exp(rng.normal(np.log(1100), 0.9, n)), 3, 6500)
    created = start_s - (age_days * DAY_S).astype(np.int64) - rng.integers(0, DAY_S, n)
    followers = np.exp(rng.normal(5.0, 1.8, n)).astype(np.int64)
    following = np.exp(rng.normal(5.5, 1.1, n)).astype(np.int64)
    has_loc = rng.random(n) < 0.45
    local_lang = rng.random(n) < 0.5
    loc: list[str | None] = [None] * n
    lang = ["en"] * n
    for off in np.unique(offset_h).tolist():
        idx = np.flatnonzero(offset_h == off)
        cities = W.CITIES.get(float(off), ("",))
        picks = rng.integers(0, len(cities), len(idx))
        for i, c in zip(idx.tolist(), picks.tolist(), strict=True):
            if has_loc[i] and cities[c]:
                loc[i] = cities[c]
            if local_lang[i]:
                lang[i] = W.LANG_OF_OFFSET.get(float(off), "en")
    avatars = rng.integers(0, 2**63 - 1, n)
    has_avatar = rng.random(n) < 0.8
    return {
        "platform": [PLATFORMS[p] for p in platform], "handle": handles, "display_name": names,
        "bio": bios, "created_s": created.tolist(), "followers": followers.tolist(),
        "following": following.tolist(), "verified": (followers > 200_000).tolist(),
        "language": lang, "location": loc,
        "avatar": [int(a) if h else None for a, h in zip(avatars, has_avatar, strict=True)],
        "client": rng.choice(len(CLIENT_WEIGHTS), size=n, p=CLIENT_WEIGHTS).tolist(),
        "offset_h": offset_h.tolist(),
        "network_id": [0] * n, "style": ["organic"] * n,
    }


def operation_profiles(rng: np.random.Generator, platform: np.ndarray, network_id: int, style: str,
                       tell: bool, created_burst_s: int | None, start_s: int,
                       claimed_offset: float = -5.0) -> dict[str, list]:
    """Profiles of one network's members; inauthentic-looking only when ``tell`` is set."""
    n = len(platform)
    prof = organic_profiles(rng, platform, np.full(n, claimed_offset), start_s)
    if tell:
        first, last = _pick(rng, W.FIRST_NAMES, n), _pick(rng, W.LAST_NAMES, n)
        digits = rng.integers(10_000_000, 99_999_999, n)
        if rng.random() < 0.5:
            prof["handle"] = [f"{f}{la}{d}"[:15] for f, la, d in zip(first, last, digits, strict=True)]
        else:
            stem = W.NOUNS[int(rng.integers(len(W.NOUNS)))]
            prof["handle"] = [f"{stem}_{w}{d % 1000}"[:15] for w, d in
                              zip(_pick(rng, W.NOUNS, n), digits, strict=True)]
        pool = list(W.PATRIOT_BIOS)
        bios = [pool[i] for i in rng.choice(len(pool), size=min(3, len(pool)), replace=False)]
        prof["bio"] = [bios[i] for i in rng.integers(0, len(bios), n)]
        if created_burst_s is None:
            created_burst_s = start_s - int(rng.integers(30, 700)) * DAY_S
        prof["followers"] = np.exp(rng.normal(3.0, 1.0, n)).astype(np.int64).tolist()
        prof["verified"] = [False] * n
    if created_burst_s is not None:
        prof["created_s"] = (created_burst_s + rng.integers(0, 3 * DAY_S, n)).tolist()
    if tell or style == "image_reuse":
        base = rng.integers(0, 2**63 - 1, 2)
        chosen = base[rng.permutation(np.arange(n) % (2 if n >= 4 else 1))]  # each avatar shared by 2+
        prof["avatar"] = flip_bits(rng, chosen, 3).tolist()
    prof["network_id"] = [network_id] * n
    prof["style"] = [style] * n
    return prof
