"""How long a topic run will take, said before it starts, from counts and measured throughput.

The model's speed is measured on every run and kept in ``narrative_runs.figures``; until one has
been measured on this store the figure from the issue (about 50 short posts/s on a 2-core CPU)
is assumed. The light work (TF-IDF, SVD, classifier, labels) scales with unique texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lockstep.store import Store

#: Texts per second assumed before anything was measured here.
DEFAULT_MODEL_RATE = {"cpu": 50.0, "cuda": 2000.0}
#: Seconds of light work per unique text (TF-IDF fit/transform, SVD, classifier, c-TF-IDF, writes),
#: measured on the IRA 2016 H2 data on a 2-core CPU, and a fixed overhead.
LIGHT_SECONDS_PER_TEXT = 0.0003
FIXED_SECONDS = 15.0


@dataclass
class Plan:
    dataset: str
    backend: str
    reason: str
    device: str
    posts: int
    unique_texts: int
    model_texts: int
    model_texts_cached: int
    model_rate: float
    rate_measured: bool

    @property
    def estimate_s(self) -> float:
        todo = self.model_texts - self.model_texts_cached
        model = todo / self.model_rate if self.backend == "minilm" else 0.0
        return FIXED_SECONDS + model + LIGHT_SECONDS_PER_TEXT * self.unique_texts

    def sentence(self) -> str:
        how = "measured here" if self.rate_measured else "assumed; not yet measured here"
        model = (f"{self.model_texts - self.model_texts_cached:,} new texts through {self.backend} "
                 f"({self.model_texts_cached:,} cached) on {self.device} at ~{self.model_rate:.0f}/s ({how}), "
                 if self.backend == "minilm" else "")
        return (f"Topic modelling {self.posts:,} posts ({self.unique_texts:,} unique texts): {model}"
                f"the rest by tfidf. Expect about {_human(self.estimate_s)}.")


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes"


def measured_rate(store: Store, backend: str, device: str) -> float | None:
    """The model's texts/s from the latest run on this store that measured one, on this device."""
    for (figures,) in store.rows("SELECT figures FROM narrative_runs ORDER BY finished_at DESC"):
        f = json.loads(figures) if isinstance(figures, str) else (figures or {})
        rate = f.get("model_texts_per_s")
        if rate and f.get("backend") == backend and f.get("device") == device:
            return float(rate)
    return None
