"""Embeddings cached in the store, keyed on backend name + normalized-text hash, so a re-run
(or a watch check) pays the model only for texts it has never seen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from lockstep.narratives.embed import Embedder
from lockstep.store import Store

log = logging.getLogger(__name__)

CHUNK = 2048


def cached_vectors(store: Store, backend: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """Vectors already in the cache for these hashes."""
    if not hashes:
        return {}
    keys = pa.table({"text_hash": pa.array(list(hashes), pa.string())})
    store.con.register("_lockstep_keys", keys)
    try:
        got = store.con.execute(
            "SELECT e.text_hash, e.vector FROM embeddings e JOIN _lockstep_keys k USING (text_hash) "
            "WHERE e.backend = ?", [backend]).to_arrow_table()
    finally:
        store.con.unregister("_lockstep_keys")
    if not got.num_rows:
        return {}
    vecs = got.column("vector").combine_chunks()
    flat = vecs.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    mat = flat.reshape(got.num_rows, -1)
    return dict(zip(got.column("text_hash").to_pylist(), mat, strict=True))


def store_vectors(store: Store, backend: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
    if not len(hashes):
        return
    dim = vectors.shape[1]
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel(), pa.float32())
    lists = pa.ListArray.from_arrays(pa.array(np.arange(0, len(hashes) * dim + 1, dim, dtype=np.int32)), flat)
    data = pa.table({"backend": pa.array([backend] * len(hashes), pa.string()),
                     "text_hash": pa.array(list(hashes), pa.string()), "vector": lists})
    store.con.register("_lockstep_vecs", data)
    try:
        store.con.execute("INSERT OR IGNORE INTO embeddings SELECT backend, text_hash, vector FROM _lockstep_vecs")
    finally:
        store.con.unregister("_lockstep_vecs")


def embed_cached(store: Store, embedder: Embedder, hashes: Sequence[str], texts: Sequence[str],
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Vectors for ``texts`` (one per hash, same order): from the cache where present, else
    computed in chunks and written back as they come (an interrupted run keeps its work)."""
    have = cached_vectors(store, embedder.name, hashes)
    todo = [i for i, h in enumerate(hashes) if h not in have]
    log.info("%s: %d of %d texts cached, %d to embed", embedder.name, len(have), len(hashes), len(todo))
    if progress and len(have):
        progress(len(have))
    for start in range(0, len(todo), CHUNK):
        idx = todo[start:start + CHUNK]
        vecs = embedder.embed([texts[i] for i in idx])
        store_vectors(store, embedder.name, [hashes[i] for i in idx], vecs)
        for i, v in zip(idx, vecs, strict=True):
            have[hashes[i]] = v
        if progress:
            progress(len(idx))
        log.debug("%s: embedded %d of %d", embedder.name, min(start + CHUNK, len(todo)), len(todo))
    if not hashes:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack([have[h] for h in hashes]).astype(np.float32)
