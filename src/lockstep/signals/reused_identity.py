"""``reused_identity``: display names, bios or avatars shared with other accounts.

Operations mass-produce personas from a few templates: the same bio with a word changed, the same
stock photo. Short stock bios also collide among real people, so a shared bio counts only when
so many copies are unlikely given how common its phrases are in this dataset (see
:func:`_bio_chance`; Bonferroni over accounts at ``alpha``). Near-duplicates are found with MinHash LSH (``datasketch``) over character 4-grams
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

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from scipy.stats import poisson

from lockstep.signals.base import check_param, empty_result, load_accounts
from lockstep.store import Store

_SPACE = re.compile(r"\s+")
_NUM_PERM = 64


def _norm(s: str) -> str:
    return _SPACE.sub(" ", s.lower()).strip()


def _shingles(s: str, k: int) -> set[bytes]:
    s = f" {s} "
    return {s[i : i + k].encode() for i in range(max(1, len(s) - k + 1))}


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
        bio_dups = _groups(bios, self.bio_threshold)
        chance = _bio_chance(bios, bio_dups)
        bio_dups = {i: d for i, d in bio_dups.items() if chance[i] * len(acc) < self.alpha}
        name_dups = _groups(names, self.name_threshold, k=3)
        av = acc["avatar_hash"]
        av_counts = av.value_counts()
        default_cap = max(5, int(0.01 * len(acc)))
        av_dups: dict[int, set[int]] = {}
        for h, g in acc.groupby("avatar_hash").groups.items():
            if 1 < av_counts[h] <= default_cap:
                members = set(map(int, g))
                for i in members:
                    av_dups[i] = members - {i}
        value = np.zeros(len(acc))
        flagged = np.zeros(len(acc), dtype=bool)
        details = []
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
                parts.append(f"its display name {acc['display_name'].iloc[i]!r} nearly matches "
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
    segs = bios.map(lambda b: [x.strip() for x in _SEGMENT.split(b) if x.strip()] if isinstance(b, str) else [])
    # p(phrase) = share of bios that contain the phrase.
    counts = pd.Series([x for xs in segs for x in set(xs)]).value_counts()
    total = max(int((segs.map(len) > 0).sum()), 1)
    n = len(bios)
    out = np.ones(n)
    for i, others in dups.items():
        # Only the phrases most of its near-copies share count: an edited phrase proves nothing.
        shared = [x for x in segs.iloc[i] if sum(x in segs.iloc[j] for j in others) * 2 >= len(others)]
        logp = sum(np.log(counts.get(x, 1) / total) for x in shared)
        lam = max((n - 1) * float(np.exp(logp)), 1e-300)
        out[i] = float(poisson.sf(len(others) - 1, lam))
    return out


def _groups(texts: pd.Series, threshold: float, k: int = 4) -> dict[int, set[int]]:
    """Exact duplicates grouped directly; near-duplicates through MinHash LSH."""
    out: dict[int, set[int]] = {}
    for _, g in texts.dropna().groupby(texts.dropna()).groups.items():
        if len(g) > 1:
            members = set(map(int, g))
            for i in members:
                out[i] = members - {i}
    idx = [i for i, t in enumerate(texts) if isinstance(t, str) and t]
    if len(idx) < 2:
        return out
    hashes = MinHash.bulk([_shingles(texts.iloc[i], k) for i in idx], num_perm=_NUM_PERM, seed=7)
    by_pos = dict(zip(idx, hashes, strict=True))
    lsh = MinHashLSH(threshold=threshold, num_perm=_NUM_PERM)
    for i, h in by_pos.items():
        lsh.insert(i, h)
    for i, h in by_pos.items():
        others = {j for j in lsh.query(h) if j != i and h.jaccard(by_pos[j]) >= threshold}
        if others:
            out[i] = out.get(i, set()) | others
    return out
