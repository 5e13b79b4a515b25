"""Backends: the default model loads with hub access off and gives a real embedding; the light
backend works and falls back clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lockstep.errors import ConfigError
from lockstep.narratives.embed import TfidfEmbedder, choose_backend, minilm_available, model_covers

SENTENCES = [
    "Military aid to Ukraine was approved by the senate today.",
    "Lawmakers voted to send more weapons to the Ukrainian army.",
    "This chocolate cake recipe needs two eggs and butter.",
    "Bake the cake for forty minutes with melted chocolate.",
]

PROBE = """
import json, sys, warnings
warnings.simplefilter("error")
from lockstep.narratives.embed import MiniLMEmbedder
import numpy as np
v = MiniLMEmbedder(device="cpu").embed(json.loads(sys.argv[1]))
print(json.dumps({"shape": list(v.shape), "sims": (v @ v.T).round(4).tolist(),
                  "norms": np.linalg.norm(v, axis=1).round(4).tolist()}))
"""


def _need_minilm() -> None:
    missing = minilm_available()
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install the narratives extra: {missing}")
    if missing:
        pytest.skip(missing)


@pytest.mark.slow
def test_minilm_loads_offline_and_embeds_meaningfully(tmp_path: Path) -> None:
    _need_minilm()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "SENTENCE_"))}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"),
                # Any hub request would go nowhere: nothing listens on port 9 of the loopback.
                "HF_ENDPOINT": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "HTTP_PROXY": "http://127.0.0.1:9"})
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(SENTENCES)], env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["shape"] == [4, 384]
    assert np.allclose(got["norms"], 1.0, atol=1e-3)
    s = np.asarray(got["sims"])
    # Paraphrases closer than unrelated sentences, both ways.
    assert s[0, 1] > s[0, 2] + 0.3 and s[0, 1] > s[0, 3] + 0.3
    assert s[2, 3] > s[2, 0] + 0.3 and s[2, 3] > s[2, 1] + 0.3
    assert not (tmp_path / "hf" / "hub").exists(), "the model must not be fetched into a hub cache"


def test_tfidf_backend_embeds_and_is_keyed_by_its_fit() -> None:
    corpus = [*SENTENCES, "Weapons for Ukraine and more military aid", "A recipe for chocolate cake"]
    a = TfidfEmbedder(dim=4, seed=0).fit(corpus)
    b = TfidfEmbedder(dim=4, seed=0).fit(list(reversed(corpus)))
    c = TfidfEmbedder(dim=4, seed=0).fit([*corpus, "something else entirely"])
    assert a.name == b.name != c.name and a.name.startswith("tfidf@")
    v = a.embed(SENTENCES)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v, b.embed(SENTENCES), atol=1e-5)
    assert v[2] @ v[3] > v[2] @ v[0]


def test_tfidf_must_be_fitted_first() -> None:
    with pytest.raises(ConfigError, match="fitted"):
        TfidfEmbedder().embed(["x"])


def test_backend_choice_says_why() -> None:
    assert choose_backend("tfidf") == ("tfidf", "tfidf was asked for")
    name, why = choose_backend("minilm", device="cpu")
    if minilm_available() is not None:
        assert name == "tfidf" and "falling back" in why
    else:
        assert name == "minilm" and "offline" in why
    with pytest.raises(ConfigError, match="Unknown embedding backend"):
        choose_backend("bert")


def test_languages_the_model_covers() -> None:
    assert model_covers("en") and model_covers("English") and model_covers(None) and model_covers("en-GB")
    assert not model_covers("ru") and not model_covers("Russian") and not model_covers("German")
