"""Which short texts (bios, display names) are near-copies: datasketch's MinHash LSH, in bulk.

Why not ``MinHash.bulk`` and ``MinHashLSH`` as they are: they hash, insert and query one text at
a time in Python, about ten seconds for the bios and names of 40,000 accounts. Profiles repeat:
such a crowd has a few thousand distinct bios, made of a few thousand distinct shingles. Here
each distinct text is sketched once, each distinct shingle is hashed once, a signature is a
numpy minimum over its shingles' permuted hashes, and LSH candidates come from sorting band
keys. The numbers are datasketch's own: its hash function and permutations (from a ``MinHash``
of the same seed), its band layout (``MinHashLSH``'s ``b`` and ``r`` for the threshold) and its
Jaccard estimate, so the pairs found are exactly those that ``MinHashLSH.query`` followed by
``MinHash.jaccard`` finds (``tests/signals/test_near_copies.py`` holds the two side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

_PRIME = np.uint64((1 << 61) - 1)  # datasketch's legacy scheme: (a*h + b) mod p, then 32 bits
_MAX32 = np.uint64((1 << 32) - 1)
_GATHER = 4_000_000  # shingle rows gathered at once when taking the minima (bounds memory)


def shingles(text: str, k: int) -> set[bytes]:
    """Character ``k``-grams of `` text `` (padded with a space each side), as bytes."""
    s = f" {text} "
    return {s[i : i + k].encode() for i in range(max(1, len(s) - k + 1))}


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's ``affine32`` scheme applies first."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _permuted(template: Any, items: Sequence[bytes]) -> np.ndarray:
    """Each item's hash under each of ``template``'s permutations (rows: items), as
    ``MinHash.update_batch`` computes them."""
    a, b = template.permutations
    scheme = getattr(template, "scheme", "legacy")  # datasketch < 2 knows only the legacy one
    hv = [template.hashfunc(x) for x in items]
    if scheme == "legacy":
        col = np.array(hv, dtype=np.uint64, ndmin=2).T
        return np.bitwise_and((col * a + b) % _PRIME, _MAX32)
    if scheme == "affine32":
        col = _fmix32(np.array(hv, dtype=np.uint32).reshape(-1, 1))
        return col * a + b
    raise NotImplementedError(f"datasketch MinHash scheme {scheme!r}")


def signatures(sets: Sequence[set[bytes]], *, num_perm: int, seed: int) -> np.ndarray:
    """The ``hashvalues`` of ``MinHash.bulk(sets, num_perm=num_perm, seed=seed)``, one row per set."""
    template = MinHash(num_perm=num_perm, seed=seed)
    vocab: dict[bytes, int] = {}
    ids = [[vocab.setdefault(x, len(vocab)) for x in s] for s in sets]
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    phv = _permuted(template, list(vocab))
    out = np.tile(template.hashvalues, (len(sets), 1))  # an empty set keeps the initial values
    ends = np.cumsum(lengths)
    starts = ends - lengths
    first = 0
    while first < len(sets):
        # A run of sets whose shingles fit in one gather.
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + _GATHER, side="right")))
        rows = np.arange(first, last)
        rows = rows[lengths[rows] > 0]
        if len(rows):
            block = phv[flat[starts[rows[0]]:ends[rows[-1]]]]
            out[rows] = np.minimum(out[rows], np.minimum.reduceat(block, starts[rows] - starts[rows[0]], axis=0))
        first = last
    return out


def _pairs_sharing_a_key(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows with equal ``key`` (``i`` before ``j`` in the sorted order)."""
    order = np.argsort(key, kind="stable")
    sk = key[order]
    src, dst = [], []
    pos = np.arange(len(sk) - 1)
    step = 1
    while len(pos):
        pos = pos[pos + step < len(sk)]
        pos = pos[sk[pos] == sk[pos + step]]  # sorted: unequal at this step, unequal beyond
        src.append(order[pos])
        dst.append(order[pos + step])
        step += 1
    return np.concatenate(src), np.concatenate(dst)


def similar_pairs(sig: np.ndarray, *, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)``, ``i < j``, that share an LSH band of datasketch's layout for
    ``threshold`` and whose estimated Jaccard similarity reaches it."""
    n, num_perm = sig.shape
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    layout = MinHashLSH(threshold=threshold, num_perm=num_perm)
    codes = []
    for band in range(layout.b):
        block = np.ascontiguousarray(sig[:, band * layout.r:(band + 1) * layout.r])
        _, key = np.unique(block, axis=0, return_inverse=True)  # equal band slices, equal bucket
        i, j = _pairs_sharing_a_key(key.reshape(-1))
        codes.append(np.minimum(i, j) * n + np.maximum(i, j))
    pairs = np.unique(np.concatenate(codes))
    i, j = pairs // n, pairs % n
    agree = np.concatenate([np.count_nonzero(sig[i[s:s + 1_000_000]] == sig[j[s:s + 1_000_000]], axis=1)
                            for s in range(0, len(i), 1_000_000)]) if len(i) else np.zeros(0, np.int64)
    keep = agree / float(num_perm) >= threshold
    return i[keep], j[keep]


def near_copy_groups(texts: Sequence[Any], threshold: float, *, k: int = 4, num_perm: int = 64,
                     seed: int = 7) -> dict[int, set[int]]:
    """Position -> the other positions whose text is the same, or (for non-empty texts) a
    near-copy by MinHash LSH over character ``k``-grams. Non-strings are skipped."""
    where: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        if isinstance(t, str):
            where.setdefault(t, []).append(i)
    out: dict[int, set[int]] = {}
    for positions in where.values():
        if len(positions) > 1:
            members = set(positions)
            for i in positions:
                out[i] = members - {i}
    distinct = [t for t in where if t]
    if sum(len(where[t]) for t in distinct) < 2:
        return out
    sig = signatures([shingles(t, k) for t in distinct], num_perm=num_perm, seed=seed)
    for u, v in zip(*similar_pairs(sig, threshold=threshold), strict=True):
        pu, pv = where[distinct[u]], where[distinct[v]]
        for i in pu:
            out.setdefault(i, set()).update(pv)
        for j in pv:
            out.setdefault(j, set()).update(pu)
    return out
