"""The bulk near-copy finder gives datasketch's answer exactly (``lockstep.signals.near_copies``).

The reference is datasketch used text by text, as ``reused_identity`` did before: one
``MinHash`` per text, ``MinHashLSH.insert`` and ``query``, then ``MinHash.jaccard``.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from lockstep.signals.near_copies import near_copy_groups, shingles, signatures

WORDS = ["coffee", "runner", "mom", "dad", "patriot", "news", "music", "love", "life", "proud", "texas",
         "freedom", "faith", "family", "god", "country", "truth", "official", "daily", "real", "american",
         "world", "city", "girl", "boy", "fan", "sports"]


def _texts(seed: int, n: int) -> list[str | None]:
    """Short bios: templates copied with a word changed, exact copies, unique ones, blanks."""
    rng = random.Random(seed)
    templates = [" ".join(rng.choices(WORDS, k=rng.randint(3, 9))) for _ in range(n // 8)]
    out: list[str | None] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            out.append(None)
        elif r < 0.08:
            out.append("")
        elif r < 0.6:
            words = rng.choice(templates).split()
            if rng.random() < 0.5:
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            out.append(" ".join(words))
        else:
            out.append(" ".join(rng.choices(WORDS, k=rng.randint(2, 10))))
    return out


def _reference(texts: list[str | None], threshold: float, k: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    groups: dict[str, set[int]] = {}
    for i, t in enumerate(texts):
        if isinstance(t, str):
            groups.setdefault(t, set()).add(i)
    for members in groups.values():
        if len(members) > 1:
            for i in members:
                out[i] = members - {i}
    idx = [i for i, t in enumerate(texts) if isinstance(t, str) and t]
    hashes = dict(zip(idx, MinHash.bulk([shingles(texts[i], k) for i in idx], num_perm=64, seed=7),  # type: ignore[arg-type]
                      strict=True))
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    for i, h in hashes.items():
        lsh.insert(i, h)
    for i, h in hashes.items():
        others = {j for j in lsh.query(h) if j != i and h.jaccard(hashes[j]) >= threshold}
        if others:
            out[i] = out.get(i, set()) | others
    return out


def test_signatures_are_datasketch_hashvalues() -> None:
    sets = [shingles(t, 4) for t in ("runner, coffee lover", "a", "proud texan mom of three")] + [set()]
    ours = signatures(sets, num_perm=64, seed=7)
    theirs = np.array([m.hashvalues for m in MinHash.bulk(sets, num_perm=64, seed=7)])
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize(("seed", "threshold", "k"), [(0, 0.7, 4), (1, 0.9, 3), (2, 0.5, 4)])
def test_groups_are_datasketch_lsh_groups(seed: int, threshold: float, k: int) -> None:
    texts = _texts(seed, 600)
    expected = _reference(texts, threshold, k)
    assert sum(len(v) for v in expected.values()) > 600  # the case is not trivial
    assert near_copy_groups(texts, threshold, k=k) == expected


def test_fewer_than_two_texts() -> None:
    assert near_copy_groups([None, "solo text here"], 0.7) == {}
    assert near_copy_groups(["", ""], 0.7) == {0: {1}, 1: {0}}
