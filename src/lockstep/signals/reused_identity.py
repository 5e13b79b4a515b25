"""``reused_identity``: display names, bios or avatars shared with other accounts.

Operations mass-produce personas from a few templates: the same bio with a word changed, the same
stock photo. Short stock bios also collide among real people, so a shared bio counts only when
so many copies are unlikely given how common its phrases are in this dataset (see
:func:`_bio_chance`; Bonferroni over accounts at ``alpha``). Near-duplicates are found with MinHash LSH
(``datasketch``'s, computed in bulk by :mod:`lockstep.signals.near_copies`) over character 4-grams
of the normalized text — an estimate of Jaccard similarity that scales to many accounts without
comparing every pair. Bios shorter than ``min_bio_chars`` are ignored (``"mom"`` is no template),
and an avatar hash shared by more than ``max(5, 1 %)`` of accounts is taken for a platform default.

``value`` is the number of other accounts that share this account's bio or avatar (near-)exactly,
plus half the number that share only its display name. Flagged when a bio or avatar is shared;
a display-name match alone never flags, because names collide among real people (many John
Smiths). It still raises the value, so such accounts rank higher.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from scipy.stats import poisson

from lockstep.signals.base import check_param, empty_result, load_accounts
from lockstep.signals.near_copies import near_copy_groups
from lockstep.store import Store

_SPACE = re.compile(r"\s+")
_NUM_PERM = 64


def _norm(s: str) -> str:
    return _SPACE.sub(" ", s.lower()).strip()


class ReusedIdentity:
    """Accounts whose bio, avatar or display name is (nearly) copied from others."""

    name = "reused_identity"
    higher_is_unusual = True

    def __init__(self, *, bio_threshold: float = 0.7, name_threshold: float = 0.9,
                 min_bio_chars: int = 20, alpha: float = 0.01) -> None:
        self.alpha = alpha
        self.bio_threshold = bio_threshold
        self.name_threshold = name_threshold
        self.min_bio_chars = min_bio_chars

    def compute(self, store: Store, dataset: str) -> pd.DataFrame:
        check_param("ReusedIdentity", "bio_threshold", self.bio_threshold, 0.05, 1)
        check_param("ReusedIdentity", "name_threshold", self.name_threshold, 0.05, 1)
        check_param("ReusedIdentity", "min_bio_chars", self.min_bio_chars, 0, 10_000)
        check_param("ReusedIdentity", "alpha", self.alpha, 1e-12, 0.5)
        acc = load_accounts(store, dataset, ["display_name", "bio", "avatar_hash"]).reset_index(drop=True)
        if acc.empty:
            return empty_result()
        bios = acc["bio"].map(lambda b: _norm(b) if isinstance(b, str) else None)
        bios = bios.where(bios.str.len() >= self.min_bio_chars)
        names = acc["display_name"].map(lambda b: _norm(b) if isinstance(b, str) else None)
        bio_dups = near_copy_groups(bios.tolist(), self.bio_threshold, k=4, num_perm=_NUM_PERM, seed=7)
        chance = _bio_chance(bios, bio_dups)
        bio_dups = {i: d for i, d in bio_dups.items() if chance[i] * len(acc) < self.alpha}
        name_dups = near_copy_groups(names.tolist(), self.name_threshold, k=3, num_perm=_NUM_PERM, seed=7)
        default_cap = max(5, int(0.01 * len(acc)))
        by_avatar: dict[str, list[int]] = {}
        for i, h in enumerate(acc["avatar_hash"].tolist()):
            if isinstance(h, str):
                by_avatar.setdefault(h, []).append(i)
        av_dups: dict[int, set[int]] = {}
        for positions in by_avatar.values():
            if 1 < len(positions) <= default_cap:
                members = set(positions)
                for i in members:
                    av_dups[i] = members - {i}
        value = np.zeros(len(acc))
        flagged = np.zeros(len(acc), dtype=bool)
        details = []
        display = acc["display_name"].tolist()
        for i in range(len(acc)):
            strong = bio_dups.get(i, set()) | av_dups.get(i, set())
            weak = name_dups.get(i, set()) - strong
            value[i] = len(strong) + 0.5 * len(weak)
            flagged[i] = bool(strong)
            parts = []
            if bio_dups.get(i):
                parts.append(f"its bio is a near-copy of {len(bio_dups[i])} other accounts' bios "
                             f"(chance of that from this dataset's common bio phrases: {chance[i]:.1g})")
            if av_dups.get(i):
                parts.append(f"its avatar image hash is shared by {len(av_dups[i])} other accounts")
            if name_dups.get(i):
                parts.append(f"its display name {display[i]!r} nearly matches "
                             f"{len(name_dups[i])} other accounts'")
            details.append("Profile: " + ("; ".join(parts) if parts else "no name, bio or avatar copied"))
        return pd.DataFrame({
            "platform": acc["platform"], "account_id": acc["account_id"], "value": value,
            "flagged": flagged, "detail": details,
        })


_SEGMENT = re.compile(r"[,.;:|•!?/\n]+")


def _bio_chance(bios: pd.Series, dups: dict[int, set[int]]) -> np.ndarray:
    """Per account, the chance that this many others share its bio if bios were assembled from
    this dataset's phrases independently: ``P(bio) = Π p(phrase)`` over its comma/period-separated
    phrases that at least half of its near-copies share, ``λ = (N - 1)·P(bio)``, chance ``= P(Poisson(λ) ≥ k)``. Short stock bios ("Runner,
    coffee lover.") collide by chance among real people; a specific bio copied five times does not."""
    segs = [[x.strip() for x in _SEGMENT.split(b) if x.strip()] if isinstance(b, str) else [] for b in bios]
    # p(phrase) = share of bios that contain the phrase.
    counts = Counter(x for xs in segs for x in set(xs))
    total = max(sum(1 for xs in segs if xs), 1)
    n = len(bios)
    out = np.ones(n)
    if not dups:
        return out
    sets = [set(xs) for xs in segs]
    rows = np.fromiter(dups, dtype=np.int64, count=len(dups))
    lams = np.empty(len(dups))
    for r, (i, others) in enumerate(dups.items()):
        # Only the phrases most of its near-copies share count: an edited phrase proves nothing.
        shared = [x for x in segs[i] if sum(x in sets[j] for j in others) * 2 >= len(others)]
        logp = sum(np.log(counts.get(x, 1) / total) for x in shared)
        lams[r] = max((n - 1) * float(np.exp(logp)), 1e-300)
    out[rows] = poisson.sf(np.array([len(o) - 1 for o in dups.values()]), lams)
    return out
