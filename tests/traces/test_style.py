"""Masking texts into templates (traces/style.py): deterministic, keeps whitespace and punctuation,
never lets a word through."""

from __future__ import annotations

import re
import string

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.traces.style import (
    MAX_SKELETON,
    frame,
    frames,
    frames_of_texts,
    mask,
    mask_array,
    skeleton,
    skeletons,
    skeletons_of_masks,
    tails_of_texts,
)

_PLACEHOLDER_LETTERS = set("UWwAE")

# Texts built from the pieces real posts are made of, plus arbitrary Unicode.
_PIECES = st.sampled_from([
    "Police", "police", "USA", "iPhone", "don't", "don’t", "head-on", "Привет", "мир", "北京", "café",
    "12", "3½", "2016", "#crime", "#Hashtag_2", "@user_1", "https://t.co/AbC123", "www.example.com/x?a=1",
    "😂", "❤️", "👍🏽", "  ", " ", "\t", "\n", ":", "...", "…", "\\|", "!!", "?", ",", "(", ")", "\"", "“", "”",
    "&amp;", "&#39;", "$", "%", "-", "–", "/", "RT", "a@b.com",
])
_TEXTS = st.one_of(st.lists(_PIECES, max_size=25).map("".join), st.text(max_size=80))


def _words_of(text: str) -> set[str]:
    return {w for w in "".join(c if c.isalnum() else " " for c in text).split() if len(w) >= 2}


# Each example is a batch of texts: the masks run on arrays, once per batch.
_BATCHES = st.lists(_TEXTS, min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(_BATCHES)
def test_mask_is_deterministic_and_leaks_no_word(texts: list[str]) -> None:
    masks = mask_array(texts).to_pylist()
    assert masks == mask_array(list(reversed(texts))).to_pylist()[::-1]
    for text, m in zip(texts, masks, strict=True):
        assert all(not c.isalpha() or c in _PLACEHOLDER_LETTERS for c in m), (text, m)
        assert all(not c.isdigit() or c == "0" for c in m), (text, m)
        # no word of the text (two or more letters or digits) survives, unless it is made of placeholders
        leaked = {w for w in _words_of(text) if w in m and not set(w) <= _PLACEHOLDER_LETTERS | {"0"}}
        assert not leaked, (text, m)


@settings(max_examples=40, deadline=None)
@given(_BATCHES)
def test_mask_keeps_whitespace_and_punctuation_in_order(texts: list[str]) -> None:
    """Outside links (which become U, and may hold punctuation), every whitespace and punctuation
    character of the text is kept, in order."""
    kept = set(string.whitespace) | set("!\"$%'()*,-./:;<=>?[\\]^`{|}~“”‘’…–—")
    for text, m in zip(texts, mask_array(texts).to_pylist(), strict=True):
        if "http" in text.lower() or "www." in text.lower():
            continue
        assert [c for c in m if c in kept] == [c for c in text if c in kept], (text, m)


@settings(max_examples=40, deadline=None)
@given(_BATCHES)
def test_skeleton_of_text_equals_skeleton_of_mask(texts: list[str]) -> None:
    assert skeletons(texts).to_pylist() == skeletons_of_masks(mask_array(texts)).to_pylist()


@settings(max_examples=40, deadline=None)
@given(_BATCHES)
def test_frames_of_texts_equal_frames_of_skeletons(texts: list[str]) -> None:
    skels = skeletons(texts).to_pylist()
    direct = frames_of_texts(texts).to_pylist()
    via = frames(skels).to_pylist()
    for text, sk, a, b in zip(texts, skels, direct, via, strict=True):
        if len(sk) < MAX_SKELETON:  # a cut skeleton loses its tail
            assert a == b, (text, sk)
    for sk, t in zip(skels, tails_of_texts(texts).to_pylist(), strict=True):
        if len(sk) < MAX_SKELETON:  # the ending is what follows the skeleton's last run of words
            after = re.search(r"[^Ww]*$", sk)
            assert t == ("|" + after.group() if after and re.search("[Ww]", sk) else ""), (sk, t)


def test_examples_read_as_documented() -> None:
    assert mask("Poll: Hillary Clinton leads Trump by 6  #politics") == "W: W W w W w 0  #"
    assert skeleton(mask("Poll: Hillary Clinton leads Trump by 6  #politics")) == "W: W  #"
    assert frame("W: W  #") == "|  #"
    assert mask("WATCH: FBI & CIA ‘shocked’ https://t.co/x \\| https://t.co/y") == "A: A & A ‘w’ U \\| U"
    assert mask("RT @cnn: iPhone's price, 3½ times 😂😂") == "A @: w'w w, 0 w E"
    assert mask("don’t   stop\n\n#now") == "w’w   w\n\n#"
    assert mask("Привет мир") == "W w"
    assert mask("&#39;quoted&#39; #tag") == "&#0;w&#0; #"
    assert frame("") == "" and frame("U") == "" and frame("# W: w U") == "# | U"


def test_two_spaces_are_not_one() -> None:
    assert skeleton(mask("Storm closes bridge  #local")) != skeleton(mask("Storm closes bridge #local"))
    assert skeleton(mask("Storm closes bridge  #local")) == skeleton(mask("Mayor says the new budget is final  #crime"))


def test_arrays_keep_nulls_and_order() -> None:
    arr = pa.array(["Hello world", None, "@a hi"], pa.string())
    assert mask_array(arr).to_pylist() == ["W w", None, "@ w"]
    assert skeletons(arr).to_pylist() == ["W", None, "@ w"]
    assert frames(skeletons_of_masks(mask_array(arr))).to_pylist()[2] == "@ |"
