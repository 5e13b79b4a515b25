"""Near-duplicate grouping, vectorized: MinHash over byte shingles, LSH banding, grouping that
chains only through repeated texts.

Why hand-vectorized rather than ``datasketch``: ``datasketch`` hashes one text at a time in Python,
far too slow for millions of posts; here shingling, hashing and the minima are numpy array
operations over thousands of texts at once. The method is the textbook one (Broder
1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3): a candidate pair must
agree on all rows of at least one band, and is kept only if its estimated Jaccard similarity
(the share of agreeing signature values) reaches the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_CHUNK_TEXTS = 20_000


def _mix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: spreads shingle codes over all 64 bits."""
    h = h ^ (h >> np.uint64(33))
    h = h * _M1
    h = h ^ (h >> np.uint64(33))
    h = h * _M2
    return h ^ (h >> np.uint64(33))


def signatures(texts: Sequence[str] | pa.Array | pa.ChunkedArray, *, shingle: int = 5, perms: int = 32,
               seed: int = 1) -> np.ndarray:
    """MinHash signatures (``len(texts)`` x ``perms``, uint32) of byte ``shingle``-grams.

    One-permutation hashing with rotation densification (Li, Owen & Zhang 2012; Shrivastava &
    Li 2014): each shingle is hashed once and lands in one of ``perms`` bins, a bin keeps its
    minimum, and an empty bin borrows from the next non-empty one. Same estimator of Jaccard
    similarity as ``perms`` independent permutations, at the cost of one.
    Texts shorter than one shingle get a signature of their own that matches nothing else.
    ``texts`` may be an Arrow string array (no nulls): its UTF-8 bytes are then read in place,
    not encoded text by text."""
    salt = np.uint64(np.random.default_rng(seed).integers(1, 2**63))
    out = np.empty((len(texts), perms), dtype=np.uint32)
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        arr = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
        arr = arr.cast(pa.large_string())
        if arr.null_count:
            raise ValueError("signatures: the texts contain nulls")
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if len(arr) else np.zeros(0, np.uint8)
        for start in range(0, len(arr), _CHUNK_TEXTS):
            o = offsets[start:start + _CHUNK_TEXTS + 1]
            out[start:start + len(o) - 1] = _chunk_signatures(data[o[0]:o[-1]], np.diff(o), shingle, perms, salt,
                                                              start)
        return out
    for start in range(0, len(texts), _CHUNK_TEXTS):
        chunk = [t.encode("utf-8") for t in texts[start:start + _CHUNK_TEXTS]]
        lengths = np.fromiter((len(c) for c in chunk), dtype=np.int64, count=len(chunk))
        out[start:start + len(chunk)] = _chunk_signatures(np.frombuffer(b"".join(chunk), dtype=np.uint8), lengths,
                                                          shingle, perms, salt, start)
    return out


_EMPTY = np.uint32(0xFFFFFFFF)


def _chunk_signatures(data: np.ndarray, lengths: np.ndarray, k: int, perms: int, salt: np.uint64,
                      base: int) -> np.ndarray:
    """Signatures of the texts whose UTF-8 bytes are ``data``, one after the other (``lengths``)."""
    n = len(lengths)
    buf = np.concatenate([data, np.zeros(k, dtype=np.uint8)])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = np.maximum(lengths - k + 1, 0)
    total = int(counts.sum())
    tid = np.repeat(np.arange(n), counts)
    starts = np.repeat(offsets - (np.cumsum(counts) - counts), counts) + np.arange(total)
    # Rolling code of every k-byte window of the buffer (contiguous slices, no gathers)...
    span = len(buf) - k + 1
    code = np.full(span, salt, dtype=np.uint64)
    for j in range(k):
        code = code * np.uint64(257) + buf[j:j + span]
    # ... of which only the windows inside one text are shingles.
    h = _mix(code[starts])
    bins = (h & np.uint64(perms - 1)).astype(np.int64) if perms & (perms - 1) == 0 else \
        (h % np.uint64(perms)).astype(np.int64)
    vals = (h >> np.uint64(32)).astype(np.uint32)
    flat = np.full(n * perms, _EMPTY, dtype=np.uint32)
    np.minimum.at(flat, tid * perms + bins, vals)
    sig = flat.reshape(n, perms)
    # Rotation densification: an empty bin takes the next non-empty bin's value, plus an offset
    # for the distance, so two texts agree on it only as often as on a real bin.
    empty = sig == _EMPTY
    has = counts > 0
    for step in range(1, perms):
        todo = empty & has[:, None]
        if not todo.any():
            break
        donor = np.roll(sig, -step, axis=1)
        ok = todo & (donor != _EMPTY) & ~np.roll(empty, -step, axis=1)
        sig[ok] = donor[ok] + np.uint32(step * 0x9E37)
        empty &= ~ok
    idx = np.flatnonzero(~has)
    if len(idx):
        sig[idx] = ((idx + base)[:, None] * 2654435761 + np.arange(perms)[None, :]).astype(np.uint32)
    return sig


def near_duplicate_groups(sig: np.ndarray, *, threshold: float, bands: int,
                          repeated: np.ndarray | None = None) -> np.ndarray:
    """Group label of each row (a row index). Rows are similar when they share a band and their
    signatures agree on at least ``threshold`` of the values; candidates come from LSH banding,
    each row compared with the first (lowest-index) row of each of its band buckets, so pass rows
    in the order leaders should be chosen (most posted text first).

    ``repeated`` marks the rows that were posted more than once. Repeated rows that are similar
    join into connected components (a copied text's variants, each a few edits from the next);
    a row posted once joins the group of the first repeated row it is similar to, or failing
    that the first row it is similar to, but never links two groups.

    Why not connected components over all rows: similarity is not transitive. One-off texts made
    from the same words chain (A ~ B ~ C ~ ... with A and Z unrelated): at ten million posts the
    components of the synthetic benchmark grew to 15,000 distinct texts and swallowed the planted
    copypasta into one item too popular to be evidence. Why not leaders alone: a heavily edited
    copypasta's variants are each similar to some other variant, not all to one original (with
    45% edit rates, leaders alone found 0.25 of the copypasta accounts of a 300k-post benchmark,
    components 0.60). Copying is what repeats a text; chance wording rarely does."""
    n, perms = sig.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rows = perms // bands
    rep = np.ones(n, dtype=bool) if repeated is None else np.asarray(repeated, dtype=bool)
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    for band in range(bands):
        block = sig[:, band * rows:(band + 1) * rows].astype(np.uint64)
        key = np.zeros(n, dtype=np.uint64)
        for j in range(rows):
            key = _mix(key ^ block[:, j])
        # Buckets of equal keys; each member is paired with its bucket's lowest row. Which
        # pairs that gives does not depend on the order inside a bucket, so an unstable sort
        # (faster than a stable one on 64-bit keys) and the bucket's minimum do.
        order = np.argsort(key)
        sk = key[order]
        new_run = np.concatenate([[True], sk[1:] != sk[:-1]])
        starts = np.flatnonzero(new_run)
        first = np.repeat(np.minimum.reduceat(order, starts), np.diff(np.append(starts, n)))
        cand = order != first
        i, j = order[cand], first[cand]  # j < i
        agree = (sig[i] == sig[j]).mean(axis=1) >= threshold
        src.append(i[agree])
        dst.append(j[agree])
    s = np.concatenate(src) if src else np.zeros(0, dtype=np.int64)
    d = np.concatenate(dst) if dst else np.zeros(0, dtype=np.int64)
    # Repeated rows: connected components among them.
    both = rep[s] & rep[d]
    graph = coo_matrix((np.ones(int(both.sum()), dtype=np.int8), (s[both], d[both])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    smallest = np.full(comp.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(smallest, comp, np.arange(n))
    label = smallest[comp]
    # The other rows: the first similar repeated row's group, else the first similar row.
    s, d = s[~both], d[~both]
    to_rep = np.full(n, n, dtype=np.int64)
    ok = rep[d] & ~rep[s]
    np.minimum.at(to_rep, s[ok], d[ok])
    to_any = np.full(n, n, dtype=np.int64)
    np.minimum.at(to_any, s, d)
    sizes = np.bincount(comp, minlength=comp.max() + 1 if n else 0)
    lone = ~rep | (sizes[comp] == 1)  # repeated rows without repeated neighbours attach too
    target = np.where(to_rep < n, to_rep, to_any)
    move = lone & (target < n)
    label[move] = np.where(rep[target[move]], label[target[move]], target[move])
    return label
