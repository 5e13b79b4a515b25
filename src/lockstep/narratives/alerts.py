"""``watch check``: which flagged networks moved into a watched narrative, tested against their
own earlier windows (see :mod:`.watch` for the method)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.stats import fisher_exact

from lockstep.errors import ConfigError, StoreError
from lockstep.ingest.normalize import normalize_text
from lockstep.narratives.cache import embed_cached
from lockstep.narratives.corpus import load_corpus
from lockstep.narratives.embed import MiniLMEmbedder, TfidfEmbedder, resolve_device
from lockstep.narratives.stats import bh
from lockstep.narratives.topics import TFIDF_FIT_TEXTS, TopicParams
from lockstep.narratives.watch import DEFAULT_THRESHOLD, Watch
from lockstep.narratives.windows import check_window, iso, origin, window_index, window_start
from lockstep.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckParams:
    window_days: float = 7.0
    alpha: float = 0.01
    min_increase: float = 0.10
    min_matches: int = 3
    min_baseline_posts: int = 20
    evidence: int = 10
    device: str = "auto"

    def validate(self) -> None:
        check_window(self.window_days)
        if not 0 < self.alpha < 1 or not 0 <= self.min_increase < 1 or self.min_matches < 1:
            raise ConfigError(f"Check parameters out of range (0 < alpha < 1, 0 <= min_increase < 1, "
                              f"min_matches >= 1). Got {self}.")


def _run_info(store: Store, dataset: str) -> tuple[str, TopicParams]:
    row = store.rows("SELECT params, figures FROM narrative_runs WHERE dataset = ? "
                     "ORDER BY finished_at DESC LIMIT 1", [dataset]) if store.has_table("narrative_runs") else []
    if not row:
        raise StoreError(f"No topic run for dataset {dataset!r} yet. Run 'lockstep narratives' first, so "
                         "watches are matched with the same embedding backend.")
    params, figures = (json.loads(x) if isinstance(x, str) else x for x in row[0])
    return str(figures["backend"]), TopicParams(**params)


def match_scores(store: Store, dataset: str, watches: list[Watch], device: str = "auto") -> tuple[pa.Table, np.ndarray]:
    """Flagged networks' posts (network_id, post_id, time) and, per watch, whether each matches."""
    backend, tp = _run_info(store, dataset)
    corpus = load_corpus(store, dataset)
    store.con.register("_lockstep_cp", corpus.posts)
    try:
        posts = store.con.execute(
            "SELECT m.network_id, c.post_id, c.time, c.text_hash FROM _lockstep_cp c JOIN members m "
            "ON m.dataset = ? AND m.platform = c.platform AND m.account_id = c.account_id "
            "ORDER BY m.network_id, c.time, c.post_id", [dataset]).to_arrow_table()
    finally:
        store.con.unregister("_lockstep_cp")
    pos = {h: i for i, h in enumerate(corpus.hashes)}
    need = sorted({pos[h] for h in posts.column("text_hash").to_pylist()})
    tfidf = TfidfEmbedder(seed=tp.seed).fit(corpus.texts[:TFIDF_FIT_TEXTS])
    # The model reads what the topic run gave it (cached) and no more: the rest is TF-IDF.
    model_rows = [i for i in need if corpus.covered[i] and i < _model_cutoff(corpus, tp)] \
        if backend == "minilm" else []
    by_backend: dict[str, tuple[list[int], Any]] = {"tfidf": (sorted(set(need) - set(model_rows)), tfidf)}
    if model_rows:
        by_backend["minilm"] = (model_rows, MiniLMEmbedder(device=resolve_device(device)))
    sims = {i: np.zeros(len(watches)) for i in need}
    for name, (rows, emb) in by_backend.items():
        if not rows:
            continue
        vecs = embed_cached(store, emb, [corpus.hashes[i] for i in rows], [corpus.texts[i] for i in rows]) \
            if name == "minilm" else emb.embed([corpus.texts[i] for i in rows])
        for j, w in enumerate(watches):
            protos = emb.embed([normalize_text(p) for p in w.prototypes()])
            best = (vecs @ protos.T).max(axis=1)
            thr = w.threshold if w.threshold is not None else DEFAULT_THRESHOLD[name]
            for i, s in zip(rows, best, strict=True):
                sims[i][j] = 1.0 if s >= thr else 0.0
    hits = np.array([sims[pos[h]] for h in posts.column("text_hash").to_pylist()]).reshape(-1, len(watches))
    return posts, hits.astype(bool)


def _model_cutoff(corpus: Any, tp: TopicParams) -> int:
    """Index (in priority order) past which the topic run did not give texts to the model."""
    covered = np.flatnonzero(np.asarray(corpus.covered, dtype=bool))
    cap = min(tp.model_texts, tp.cluster_texts)
    return int(covered[cap - 1]) + 1 if 0 < cap <= len(covered) else len(corpus.hashes)


def check_watches(store: Store, dataset: str, watches: list[Watch], params: CheckParams | None = None) -> list[dict[str, Any]]:
    params = params or CheckParams()
    params.validate()
    posts, hits = match_scores(store, dataset, watches, params.device)
    start = origin(store, dataset)
    nets = posts.column("network_id").to_numpy()
    win = window_index(posts.column("time").to_numpy(), start, params.window_days)
    ids = np.asarray(posts.column("post_id").to_pylist(), dtype=object)
    tests: list[dict[str, Any]] = []
    for j, w in enumerate(watches):
        for nid in np.unique(nets):
            sel = nets == nid
            ww, hh = win[sel], hits[sel, j]
            n = np.bincount(ww)
            x = np.bincount(ww, weights=hh).astype(int)
            for b in range(1, len(n)):
                nb, xb = int(n[:b].sum()), int(x[:b].sum())
                if nb < params.min_baseline_posts or not n[b]:
                    continue
                p = fisher_exact([[x[b], n[b] - x[b]], [xb, nb - xb]], alternative="greater").pvalue
                tests.append({"j": j, "watch": w.name, "network_id": int(nid), "b": b, "x": int(x[b]),
                              "n": int(n[b]), "base": xb / nb, "nb": nb, "p": float(p)})
    for t, q in zip(tests, bh([t["p"] for t in tests]), strict=True):
        t["q"] = q
    alerts: list[dict[str, Any]] = []
    fired: set[tuple[str, int]] = set()
    for t in sorted(tests, key=lambda t: (t["watch"], t["network_id"], t["b"])):
        share = t["x"] / t["n"]
        key = (t["watch"], t["network_id"])
        if key in fired or t["q"] > params.alpha or t["x"] < params.min_matches \
                or share - t["base"] < params.min_increase:
            continue
        fired.add(key)  # the onset; later windows of the same move are the same alert
        sel = (nets == t["network_id"]) & (win == t["b"]) & hits[:, t["j"]]
        when = window_start(start, t["b"], params.window_days)
        alerts.append({
            "watch": t["watch"], "network_id": t["network_id"], "time": iso(when),
            "window_end": iso(window_start(start, t["b"] + 1, params.window_days)),
            "matches": t["x"], "posts": t["n"], "share": round(share, 4),
            "baseline_share": round(t["base"], 4), "baseline_posts": t["nb"],
            "p_value": t["p"], "q_value": t["q"],
            "example_post_ids": [str(p) for p in ids[sel][:params.evidence]],
            "sentence": (f"Network {t['network_id']} put {share:.0%} of its posts ({t['x']} of {t['n']}) into "
                         f"watched narrative '{t['watch']}' in the window from {iso(when)}, against "
                         f"{t['base']:.0%} in its {t['nb']} earlier posts (Fisher exact p={t['p']:.1e}, "
                         f"BH q={t['q']:.1e})."),
        })
    _save(store, dataset, alerts)
    return alerts


def _save(store: Store, dataset: str, alerts: list[dict[str, Any]]) -> None:
    rows = pa.Table.from_pylist([{
        "dataset": dataset, "watch": a["watch"], "network_id": a["network_id"],
        "time": datetime.fromisoformat(a["time"].rstrip("Z")),
        "window_end": datetime.fromisoformat(a["window_end"].rstrip("Z")), "matches": a["matches"],
        "posts": a["posts"], "share": a["share"], "baseline_share": a["baseline_share"],
        "p_value": a["p_value"], "q_value": a["q_value"], "post_ids": a["example_post_ids"],
        "sentence": a["sentence"]} for a in alerts])
    with store.transaction() as con:
        con.execute("DELETE FROM watch_alerts WHERE dataset = ?", [dataset])
        if rows.num_rows:
            store.append("watch_alerts", rows)
