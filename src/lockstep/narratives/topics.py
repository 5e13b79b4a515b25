"""Posts into narratives: embed on a budget, cluster, carry the topics to every post, label.

1. Unique normalized texts, in budget priority order (:mod:`.corpus`).
2. The model (``minilm``) embeds the first ``model_texts`` texts it covers (cached); texts in
   languages it does not cover are embedded by ``tfidf`` instead. Each group is clustered in its
   own space (:mod:`.cluster`).
3. Every other text gets a topic from a classifier trained on the clustered texts' TF-IDF
   features (multinomial logistic regression), or -1 when it is unsure (``min_confidence``).
4. Labels by c-TF-IDF (:mod:`.labels`), example posts nearest each topic's centre, and
   volumes per day and week, overall and per network (:mod:`.volume`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from lockstep.errors import ConfigError, StoreError
from lockstep.narratives.budget import DEFAULT_MODEL_RATE, Plan, measured_rate
from lockstep.narratives.cache import embed_cached
from lockstep.narratives.cluster import knn_leiden
from lockstep.narratives.corpus import Corpus, load_corpus
from lockstep.narratives.embed import MiniLMEmbedder, TfidfEmbedder, choose_backend, resolve_device
from lockstep.narratives.labels import ctfidf_terms, label_of
from lockstep.narratives.tables import ensure_narrative_tables
from lockstep.narratives.volume import refresh_volume
from lockstep.store import Store

log = logging.getLogger(__name__)

TFIDF_FIT_TEXTS = 100_000
LABEL_TEXTS_PER_TOPIC = 3_000


@dataclass(frozen=True)
class TopicParams:
    backend: str = "minilm"
    device: str = "auto"
    seed: int = 0
    model_texts: int = 20_000   # budget: texts through the model (minilm)
    cluster_texts: int = 30_000  # most texts clustered per group (the kNN graph is quadratic)
    k: int = 15
    resolution: float = 1.0
    min_topic_size: int = 0     # 0: max(5, texts clustered / 1000)
    min_confidence: float = 0.3

    def validate(self) -> None:
        if self.model_texts < 0 or self.cluster_texts < 10:
            raise ConfigError("model_texts must be >= 0 and cluster_texts >= 10. "
                              f"Got {self.model_texts} and {self.cluster_texts}.")
        if not 0.0 <= self.min_confidence < 1.0:
            raise ConfigError(f"min_confidence must be in [0, 1). Got {self.min_confidence}.")

    def key(self) -> dict[str, object]:
        """What decides the topics (the device does not)."""
        d = asdict(self)
        d.pop("device")
        return d


def fingerprint(store: Store, dataset: str) -> str:
    n, last, h = store.rows("SELECT count(*), max(time), sum(hash(post_id) % 1000003) FROM posts "
                            "WHERE dataset = ?", [dataset])[0]
    # Members decide which texts the model reads first, so a new detection run refreshes topics.
    m = store.rows("SELECT count(*), sum(hash(account_id || ':' || network_id::VARCHAR) % 1000003) "
                   "FROM members WHERE dataset = ?", [dataset])[0]
    return f"{n}|{last}|{h}|{m[0]}|{m[1]}"


def needs_refresh(store: Store, dataset: str, params: TopicParams) -> bool:
    ensure_narrative_tables(store)
    row = store.rows("SELECT fingerprint, params FROM narrative_runs WHERE dataset = ? "
                     "ORDER BY finished_at DESC LIMIT 1", [dataset])
    if not row:
        return True
    fp, p = row[0]
    return fp != fingerprint(store, dataset) or json.loads(p) != params.key()


def build_topics(store: Store, dataset: str, params: TopicParams | None = None, *,
                 on_plan: Callable[[Plan], None] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, object]:
    """Model the dataset's topics and replace its ``topics``/``post_topics``/``topic_volume``."""
    params = params or TopicParams()
    params.validate()
    ensure_narrative_tables(store)
    t0 = time.perf_counter()
    started = datetime.now(UTC).replace(tzinfo=None)
    timings: dict[str, float] = {}
    corpus = load_corpus(store, dataset)
    if len(corpus.hashes) < 3:
        raise StoreError(f"Dataset {dataset!r} has {len(corpus.hashes)} distinct post texts; topic "
                         "modelling needs at least 3. Ingest posts with text first.")
    timings["load"] = time.perf_counter() - t0
    backend, reason = choose_backend(params.backend, device=params.device)
    if backend != params.backend:
        log.warning("embedding backend: %s", reason)
    else:
        log.info("embedding backend: %s", reason)
    device = resolve_device(params.device) if backend == "minilm" else "cpu"

    groups = _groups(corpus, backend, params)
    model_idx = groups.get("minilm", np.zeros(0, dtype=np.int64))
    cached = _count_cached(store, "minilm", [corpus.hashes[i] for i in model_idx])
    rate = measured_rate(store, backend, device)
    plan = Plan(dataset, backend, reason, device, corpus.posts.num_rows, len(corpus.hashes),
                len(model_idx), cached, rate or DEFAULT_MODEL_RATE[device], rate is not None)
    log.info(plan.sentence())
    if on_plan:
        on_plan(plan)

    t = time.perf_counter()
    tfidf = TfidfEmbedder(seed=params.seed).fit(corpus.texts[:TFIDF_FIT_TEXTS])
    sparse = tfidf.sparse(corpus.texts)
    light = tfidf.reduce(sparse)
    timings["tfidf"] = time.perf_counter() - t

    labels = np.full(len(corpus.hashes), -2, dtype=np.int64)  # -2: not clustered
    conf = np.zeros(len(corpus.hashes))
    centre_sim = np.zeros(len(corpus.hashes))
    space: dict[int, str] = {}
    next_id = 0
    model_rate = None
    for name, idx in groups.items():
        if not len(idx):
            continue
        t = time.perf_counter()
        if name == "minilm":
            vecs, model_rate = _embed_model(store, corpus, idx, device, progress)
            timings["embed_minilm"] = time.perf_counter() - t
        else:
            vecs = light[idx]
        t = time.perf_counter()
        min_size = params.min_topic_size or max(5, len(idx) // 1000)
        lab = knn_leiden(vecs, k=params.k, resolution=params.resolution, min_size=min_size,
                         seed=params.seed)
        timings[f"cluster_{name}"] = time.perf_counter() - t
        for tid in range(int(lab.max()) + 1 if len(lab) else 0):
            rows = np.flatnonzero(lab == tid)
            centre = vecs[rows].mean(axis=0)
            centre /= max(float(np.linalg.norm(centre)), 1e-12)
            centre_sim[idx[rows]] = vecs[rows] @ centre
            space[next_id + tid] = name
        labels[idx] = np.where(lab >= 0, lab + next_id, -1)
        conf[idx] = 1.0
        next_id += int(lab.max()) + 1 if len(lab) and lab.max() >= 0 else 0

    t = time.perf_counter()
    method = np.where(labels >= -1, "cluster", "propagated")
    _propagate(sparse, labels, conf, params)
    timings["propagate"] = time.perf_counter() - t
    t = time.perf_counter()
    n_topics = _write(store, dataset, corpus, labels, conf, method, centre_sim, space)
    refresh_volume(store, dataset)
    timings["label_and_write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    figures: dict[str, object] = {
        "backend": backend, "reason": reason, "device": device, "posts": corpus.posts.num_rows,
        "posts_without_text": corpus.skipped_empty, "unique_texts": len(corpus.hashes),
        "model_texts": len(model_idx), "model_texts_cached": cached,
        "tfidf_clustered_texts": len(groups.get("tfidf", [])), "topics": n_topics,
        "unclustered_posts": int(store.scalar("SELECT count(*) FROM post_topics WHERE dataset = ? AND "
                                              "topic_id < 0", [dataset])),
        # Kept from an earlier run when this one embedded too few texts to measure.
        "model_texts_per_s": model_rate or rate, "rate_measured_this_run": model_rate is not None,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    store.con.execute("DELETE FROM narrative_runs WHERE dataset = ?", [dataset])
    store.con.execute("INSERT INTO narrative_runs VALUES (?, ?, ?, ?, ?, ?, ?)", [
        dataset, uuid.uuid4().hex[:12], started, datetime.now(UTC).replace(tzinfo=None),
        fingerprint(store, dataset), json.dumps(params.key()), json.dumps(figures)])
    log.info("topics for %s: %s", dataset, figures)
    return figures


def _embed_model(store: Store, corpus: Corpus, idx: np.ndarray, device: str,
                 progress: Callable[[int, int], None] | None) -> tuple[np.ndarray, float | None]:
    """The model's vectors for these texts (cached ones free) and its measured texts/s."""
    emb = MiniLMEmbedder(device=device)
    done = [0]
    total = len(idx)

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress(done[0], total)

    cached_before = _count_cached(store, emb.name, [corpus.hashes[i] for i in idx])
    t = time.perf_counter()
    vecs = embed_cached(store, emb, [corpus.hashes[i] for i in idx], [corpus.texts[i] for i in idx], tick)
    dt = time.perf_counter() - t
    fresh = total - cached_before
    rate = fresh / dt if fresh >= 100 and dt > 0 else None
    if rate:
        log.info("minilm embedded %d texts in %.0f s: %.1f texts/s on %s", fresh, dt, rate, device)
    return vecs, rate


def _groups(corpus: Corpus, backend: str, params: TopicParams) -> dict[str, np.ndarray]:
    """Which texts each backend embeds and clusters (indices in priority order)."""
    if backend == "tfidf":
        return {"tfidf": np.arange(min(len(corpus.hashes), params.cluster_texts))}
    covered = np.flatnonzero(np.asarray(corpus.covered, dtype=bool))
    other = np.flatnonzero(~np.asarray(corpus.covered, dtype=bool))
    cap = min(params.model_texts, params.cluster_texts)
    return {"minilm": covered[:cap], "tfidf": other[:params.cluster_texts]}


def _count_cached(store: Store, backend: str, hashes: list[str]) -> int:
    if not hashes:
        return 0
    store.con.register("_lockstep_h", pa.table({"text_hash": hashes}))
    try:
        return int(store.scalar("SELECT count(*) FROM embeddings JOIN _lockstep_h USING (text_hash) "
                                "WHERE backend = ?", [backend]))
    finally:
        store.con.unregister("_lockstep_h")


def _propagate(sparse: Any, labels: np.ndarray, conf: np.ndarray, params: TopicParams) -> None:
    """Give texts left out by the budget (-2) the topic a linear classifier on their TF-IDF words
    predicts (logistic loss, one-vs-rest, trained on the clustered texts); -1 when unsure."""
    todo = np.flatnonzero(labels == -2)
    train = np.flatnonzero(labels >= -1)
    if not len(todo):
        return
    classes = np.unique(labels[train])
    if len(classes) == 1:
        labels[todo], conf[todo] = classes[0], 1.0
        return
    clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=1e-4, random_state=params.seed)
    with warnings.catch_warnings():
        # A capped number of passes is the budget, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(sparse[train], labels[train])
    for start in range(0, len(todo), 50_000):
        part = todo[start:start + 50_000]
        proba = clf.predict_proba(sparse[part])
        best = proba.argmax(axis=1)
        p = proba[np.arange(len(part)), best]
        pred = clf.classes_[best]
        labels[part] = np.where((p >= params.min_confidence) & (pred >= 0), pred, -1)
        conf[part] = p


def _write(store: Store, dataset: str, corpus: Corpus, labels: np.ndarray, conf: np.ndarray,
           method: np.ndarray, centre_sim: np.ndarray, space: dict[int, str]) -> int:
    from lockstep.narratives.examples import topic_rows

    per_text = pa.table({"text_hash": corpus.hashes, "topic_id": labels.astype(np.int32),
                         "confidence": conf, "method": method.astype(str)})
    store.con.register("_lockstep_pt", per_text)
    store.con.register("_lockstep_posts", corpus.posts)
    try:
        with store.transaction() as con:
            con.execute("DELETE FROM post_topics WHERE dataset = ?", [dataset])
            con.execute(
                "INSERT INTO post_topics SELECT ?, p.platform, p.post_id, p.account_id, p.time, "
                "p.text_hash, t.topic_id, t.confidence, t.method FROM _lockstep_posts p "
                "JOIN _lockstep_pt t USING (text_hash)", [dataset])
    finally:
        store.con.unregister("_lockstep_pt")
        store.con.unregister("_lockstep_posts")
    sizes = dict(store.rows("SELECT topic_id, count(*) FROM post_topics WHERE dataset = ? GROUP BY 1",
                            [dataset]))
    terms = ctfidf_terms(*_label_sample(corpus.texts, labels))
    rows = topic_rows(store, dataset, corpus, labels, centre_sim, sizes, terms, space, label_of)
    store.replace_rows("topics", dataset, rows)
    return sum(1 for t in sizes if t >= 0)


def _label_sample(texts: list[str], labels: np.ndarray) -> tuple[list[str], list[int]]:
    """At most LABEL_TEXTS_PER_TOPIC texts per topic, in priority order (bounded c-TF-IDF cost)."""
    seen: dict[int, int] = {}
    out_t, out_l = [], []
    for text, lab in zip(texts, labels.tolist(), strict=True):
        if lab >= 0 and seen.get(lab, 0) < LABEL_TEXTS_PER_TOPIC:
            seen[lab] = seen.get(lab, 0) + 1
            out_t.append(text)
            out_l.append(lab)
    return out_t, out_l
