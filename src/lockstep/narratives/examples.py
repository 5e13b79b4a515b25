"""Rows of the ``topics`` table: label, distinctive terms, size, and example posts a person can
read to check the label (the clustered texts nearest the topic's centre, earliest post of each)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from lockstep.narratives.corpus import Corpus
from lockstep.store import Store

EXAMPLES = 3


def topic_rows(store: Store, dataset: str, corpus: Corpus, labels: np.ndarray, centre_sim: np.ndarray,
               sizes: dict[int, int], terms: dict[int, list[str]], space: dict[int, str],
               label_of: Callable[[Sequence[str]], str]) -> pa.Table:
    chosen: dict[int, list[str]] = {}
    for tid in sorted(t for t in sizes if t >= 0):
        rows = np.flatnonzero(labels == tid)
        order = rows[np.lexsort((rows, -centre_sim[rows]))]
        chosen[tid] = [corpus.hashes[i] for i in order[:EXAMPLES]]
    wanted = [h for hs in chosen.values() for h in hs]
    first: dict[str, tuple[str, str]] = {}
    if wanted:
        store.con.register("_lockstep_eh", pa.table({"text_hash": wanted}))
        try:
            for h, pid, text in store.rows(
                "SELECT pt.text_hash, arg_min(pt.post_id, (pt.time, pt.post_id)), "
                "arg_min(p.text, (pt.time, pt.post_id)) FROM post_topics pt "
                "JOIN _lockstep_eh USING (text_hash) JOIN posts p ON p.dataset = pt.dataset AND "
                "p.platform = pt.platform AND p.post_id = pt.post_id WHERE pt.dataset = ? GROUP BY 1",
                [dataset]):
                first[h] = (pid, text)
        finally:
            store.con.unregister("_lockstep_eh")
    out: dict[str, list[object]] = {k: [] for k in (
        "dataset", "topic_id", "label", "terms", "size", "example_post_ids", "example_texts", "backend")}
    for tid in sorted(t for t in sizes if t >= 0):
        ex = [first[h] for h in chosen[tid] if h in first]
        out["dataset"].append(dataset)
        out["topic_id"].append(tid)
        out["label"].append(label_of(terms.get(tid, [])))
        out["terms"].append(terms.get(tid, []))
        out["size"].append(int(sizes[tid]))
        out["example_post_ids"].append([e[0] for e in ex])
        out["example_texts"].append([e[1] for e in ex])
        out["backend"].append(space.get(tid))
    if -1 in sizes:
        out["dataset"].append(dataset)
        out["topic_id"].append(-1)
        out["label"].append("(unclustered)")
        out["terms"].append([])
        out["size"].append(int(sizes[-1]))
        out["example_post_ids"].append([])
        out["example_texts"].append([])
        out["backend"].append(None)
    return pa.table(out, schema=pa.schema([
        ("dataset", pa.string()), ("topic_id", pa.int32()), ("label", pa.string()),
        ("terms", pa.list_(pa.string())), ("size", pa.int64()), ("example_post_ids", pa.list_(pa.string())),
        ("example_texts", pa.list_(pa.string())), ("backend", pa.string())]))
