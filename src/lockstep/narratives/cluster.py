"""Graph-based clustering of embeddings: a cosine k-nearest-neighbour graph split by Leiden.

Why a graph and not k-means: the number of narratives is unknown, topics differ widely in size,
and Leiden on a kNN graph finds them without being told how many (as in single-cell analysis and
BERTopic-style pipelines). It is deterministic for a seed. Communities smaller than
``min_size`` become topic -1 ("unclustered"), so stray texts do not each make a topic.
"""

from __future__ import annotations

import logging

import igraph as ig
import leidenalg
import numpy as np
from sklearn.neighbors import NearestNeighbors

log = logging.getLogger(__name__)


def knn_leiden(vectors: np.ndarray, *, k: int = 15, resolution: float = 1.0, min_size: int = 5,
               seed: int = 0) -> np.ndarray:
    """Topic ids (0 = largest) per row of unit-length ``vectors``; -1 for the unclustered."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= 2:
        return np.zeros(n, dtype=np.int64)
    kk = min(k, n - 1)
    nn = NearestNeighbors(n_neighbors=kk + 1, metric="cosine", algorithm="brute")
    nn.fit(vectors)
    dist, ind = nn.kneighbors(vectors)
    src = np.repeat(np.arange(n), kk + 1)
    dst = ind.ravel()
    sim = np.clip(1.0 - dist.ravel(), 0.0, 1.0)
    keep = (src != dst) & (sim > 0)
    a, b = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    # Symmetrize: one edge per pair, the larger similarity.
    key = a.astype(np.int64) * n + b
    order = np.lexsort((-sim[keep], key))
    key, w = key[order], sim[keep][order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, w = key[first], w[first]
    g = ig.Graph(n=n, edges=np.column_stack([key // n, key % n]).tolist(), directed=False)
    part = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, weights=w.tolist(),
                                    resolution_parameter=resolution, seed=seed, n_iterations=-1)
    raw = np.asarray(part.membership, dtype=np.int64)
    sizes = np.bincount(raw)
    # Renumber by size (largest first; ties by smallest member index) for stable, readable ids.
    firsts = np.full(len(sizes), n, dtype=np.int64)
    np.minimum.at(firsts, raw, np.arange(n))
    ranked = sorted(range(len(sizes)), key=lambda c: (-sizes[c], firsts[c]))
    new = np.full(len(sizes), -1, dtype=np.int64)
    t = 0
    for c in ranked:
        if sizes[c] >= min_size:
            new[c] = t
            t += 1
    labels = new[raw]
    log.info("kNN-Leiden: %d texts -> %d topics (+%d unclustered)", n, t, int((labels < 0).sum()))
    return labels
