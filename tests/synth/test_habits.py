"""Personal writing habits of generated accounts (synth/habits.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from lockstep.synth import generate, preset
from lockstep.synth.embed import EmbedSpec, embed
from lockstep.synth.habits import MARKS
from tests.conftest import DATA


def test_habits_vary_the_crowd_style_and_change_nothing_else() -> None:
    plain = generate(posts=20_000, seed=4, profile=preset("default"))
    styled = generate(posts=20_000, seed=4, profile=replace(preset("default"), style_habits=0.6))
    a, b = plain.posts(), styled.posts()
    assert a.drop_columns(["text"]).equals(b.drop_columns(["text"]))  # only texts differ
    ta, tb = a.column("text").to_pylist(), b.column("text").to_pylist()
    changed = [(x, y) for x, y in zip(ta, tb, strict=True) if x != y]
    assert 0.2 < len(changed) / len(ta) < 0.8
    assert any(y.startswith("Honestly") for y in tb) and any(y.endswith(MARKS) for _, y in changed)
    assert any("  https://" in y or "  #" in y for _, y in changed)  # a double space before the tail
    # fixed texts (common phrases, headlines) are copied word for word, habits or not
    assert ta.count("good morning") == tb.count("good morning") > 0
    # one end mark per account
    acct = b.column("account_id").to_pylist()
    marks: dict[str, set[str]] = {}
    for x, y, who in zip(ta, tb, acct, strict=True):
        if x != y and not x.startswith("RT @") and not x.endswith(("?", "!", ".")) and y.endswith(MARKS):
            marks.setdefault(who, set()).add(re.findall(r"(\.\.\.|!!|[.!?])\s*$", y)[-1])
    assert marks and np.mean([len(m) == 1 for m in marks.values()]) > 0.95


def test_commas_capitalised_words_and_quotes_are_habits_of_some_accounts() -> None:
    import pyarrow as pa

    from lockstep.synth import habits

    body = pa.array(["the game was wild again"] * 64)
    seeds = np.arange(64, dtype=np.int64) << 40
    for flag, want in ((habits.COMMA, "the game, was wild again"), (habits.TITLE, "The Game Was Wild Again"),
                       (habits.QUOTE, '"the game was wild again"')):
        out = habits.apply(body, np.full(64, flag), seeds, np.zeros(64, bool)).to_pylist()
        assert 0 < out.count(want) < 64 and set(out) == {want, "the game was wild again"}  # some posts only
    assert habits.apply(body, np.zeros(64, np.int64), seeds, np.zeros(64, bool)).to_pylist() == body.to_pylist()
    shares = habits.draw(0, 20_000, 1.0)
    for flag, p in ((habits.COMMA, 0.3), (habits.TITLE, 0.15), (habits.QUOTE, 0.08)):
        assert abs(np.mean(shares & flag > 0) - p) < 0.02


def test_embed_turns_habits_on_unless_the_profile_set_them() -> None:
    spec = EmbedSpec(path=DATA / "ira_embed" / "tweets.csv")
    data = embed(generate(posts=3000, seed=1, profile=preset("default"), networks=2), spec, seed=1)
    assert data.manifest["parameters"]["style_habits"] == 0.6 and data.renderer.tb.habit is not None
    off = embed(generate(posts=3000, seed=1, profile=preset("default"), networks=2),
                replace(spec, style_habits=0.0), seed=1)
    assert off.manifest["parameters"]["style_habits"] == 0.0 and off.renderer.tb.habit is None
