"""Topic labels by class-based TF-IDF (c-TF-IDF, as in BERTopic, Grootendorst 2022).

All texts of a topic are treated as one document; a term scores high when it is frequent in the
topic and rare across topics: ``tf(t, c) / |c| * log(1 + A / f(t))`` with A the mean number of
words per topic and f(t) the term's frequency over all topics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

#: Social-media filler that is frequent everywhere and says nothing about a narrative.
EXTRA_STOP = frozenset({"rt", "amp", "via", "just", "like", "don", "get", "new", "says", "said",
                        "http", "https", "co", "ll", "ve", "re"})
TOKEN = r"(?u)\b[^\W\d_][^\W_]{2,}\b"


def ctfidf_terms(texts: Sequence[str], labels: Sequence[int], *, top: int = 8) -> dict[int, list[str]]:
    """The ``top`` most distinctive terms of each topic id in ``labels`` (ids < 0 are ignored)."""
    topics = sorted({t for t in labels if t >= 0})
    if not topics:
        return {}
    docs = {t: [] for t in topics}  # type: dict[int, list[str]]
    for text, t in zip(texts, labels, strict=True):
        if t >= 0:
            docs[t].append(text)
    joined = [" ".join(docs[t]) for t in topics]
    cv = CountVectorizer(token_pattern=TOKEN, stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP),
                         lowercase=True)
    try:
        counts = cv.fit_transform(joined).astype(np.float64)
    except ValueError:  # no usable words at all
        return {t: [] for t in topics}
    vocab = np.asarray(cv.get_feature_names_out())
    words_per_topic = np.asarray(counts.sum(axis=1)).ravel()
    tf = counts.multiply(1.0 / np.maximum(words_per_topic, 1)[:, None]).tocsr()
    freq = np.asarray(counts.sum(axis=0)).ravel()
    idf = np.log(1.0 + words_per_topic.mean() / np.maximum(freq, 1))
    scores = tf.multiply(idf[None, :]).tocsr()
    out: dict[int, list[str]] = {}
    for row, t in enumerate(topics):
        r = scores.getrow(row)
        if not r.nnz:
            out[t] = []
            continue
        # Highest score first; ties broken alphabetically so labels are stable.
        order = sorted(zip(-r.data, vocab[r.indices], strict=True))[:top]
        out[t] = [str(w) for _, w in order]
    return out


def label_of(terms: Sequence[str], n: int = 4) -> str:
    return " / ".join(terms[:n]) if terms else "(no distinctive words)"
