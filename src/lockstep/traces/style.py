"""House style of a post, with its words masked: what the persona-template trace compares.

Operations that run many personas from one desk give them one *house style*: the IRA's "local news"
accounts posted different headlines, each as ``Headline: lede  #crime`` (two spaces before one
category tag) or ``Headline URL \\| URL URL``. Their words never repeat; their template does. This
module turns a text into that template and nothing more:

* :func:`mask` replaces links by ``U``, ``@names`` by ``@``, hashtags by ``#``, numbers by ``0``,
  every word by its shape (``W`` capitalized, ``A`` all capitals, ``w`` otherwise) and emoji by
  ``E``; whitespace and punctuation are kept exactly (two spaces stay two, a typographic
  apostrophe stays typographic). No letter or digit of the text survives.
* :func:`skeleton` collapses each run of words joined by single spaces into one ``W`` (the run
  starts with a capital or a number) or ``w``, so that headlines of any length in one template
  share a skeleton: ``Poll: Clinton leads Trump by 6  #politics`` -> ``W: W  #``.
* :func:`frame` keeps what comes before the first and after the last run of words - the position
  and form of the tags, links and mentions around the text: ``|  #`` is "ends with two spaces and
  one hashtag"; :func:`tails_of_texts` keeps only the ending (``|  #``).

A ``#`` or ``@`` that starts no tag or name (``# 1``, ``@ home``) stays as punctuation. An
e-mail address reads as a word and a name (``w@.w``); ``&#39;`` (an HTML entity) is not a hashtag.

Everything runs on whole Arrow arrays as a fixed list of RE2 replacements (``pyarrow.compute``),
once per distinct text, because the trace runs it on every original post of a dataset: Python's
``re`` took about 100 microseconds a text (70 s for the 700k distinct texts of 1M posts), this
about 10. :func:`skeletons` goes from texts to skeletons directly, in fewer steps than
``skeleton(mask(text))`` (which it equals; a test checks it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from lockstep.ingest.normalize import URL_RE

#: The longest skeleton kept; longer ones are cut (a thread of 40 sentences is its own template).
MAX_SKELETON = 120

StrArray: TypeAlias = pa.Array | pa.ChunkedArray

_URL = re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", URL_RE.pattern).replace(r"\s", r"\s\pZ")
_TAG = r"[\pL\pN_]+"
_L = r"\pL\pM\pN_"  # what a word is made of, in the skeleton's direct route (marks join their word)
_WORDS = r"[\pL\pM_]"  # letters of a word, in the full mask (numbers are masked on their own)
_NOT_WORD = r"[^\pL\pM_\x06\x07]"  # nor an already masked word

#: Steps shared by the mask and the skeleton: (pattern, replacement, literal?). Placeholders are
#: control characters until the end, so that no step mistakes an earlier step's output for text.
_COMMON: list[tuple[str, str, bool]] = [
    (r"[\x00-\x08\x0e-\x1f]+", "", False),  # control characters would collide with the placeholders
    ("&#", "&\x0f", True),  # an HTML entity (&#39;) is no hashtag, as in normalize.HASHTAG_RE
    (f"(?i){_URL}", "\x01", False),  # normalize.URL_RE, in RE2's spelling
    (f"@{_TAG}", "\x02", False),
    (f"#{_TAG}", "\x03", False),
    (r"[\p{So}\p{Co}\x{200D}\x{FE00}-\x{FE0F}\x{1F3FB}-\x{1F3FF}]+", "\x04", False),  # emoji, with joiners
    (r"\p{Cf}+", "", False),
]
#: The mask's own steps: numbers, then words by shape. RE2 has no look-behind, so a word's start is
#: matched as a group and put back; all-caps words run twice, as each match also takes the
#: character after the word, which the next word may need as its start.
_MASK: list[tuple[str, str, bool]] = [
    (r"\pN+", "\x05", False),
    (rf"(^|{_NOT_WORD})\p{{Lu}}\pM*(?:\p{{Lu}}\pM*)+($|{_NOT_WORD})", "\\1\x06\\2", False),
    (rf"(^|{_NOT_WORD})\p{{Lu}}\pM*(?:\p{{Lu}}\pM*)+($|{_NOT_WORD})", "\\1\x06\\2", False),
    (rf"(^|{_NOT_WORD})[\p{{Lu}}\p{{Lt}}]{_WORDS}*", "\\1\x07", False),
    (f"{_WORDS}+", "w", False),
]
#: Texts straight to skeletons: runs that start with a capital or a number become ``W`` first;
#: what is left starts with a lower-case letter and becomes ``w``, taking in any ``W`` the first
#: pass made inside it ("iPhone", "hello World").
_SKELETON_OF_TEXT: list[tuple[str, str, bool]] = [
    (rf"[\p{{Lu}}\p{{Lt}}\pN][{_L}]*(?: [{_L}]+)*", "\x07", False),
    (f"[{_L}][{_L}\x07]*(?: [{_L}\x07]+)*", "w", False),
]
#: The same on masks (``W``, ``A`` and ``0`` start a ``W`` run).
_SKELETON_OF_MASK: list[tuple[str, str, bool]] = [
    ("[WA0][WwA0]*(?: [WwA0]+)*", "\x07", False),
    ("w[WwA0\x07]*(?: [WwA0\x07]+)*", "w", False),
]
_FINAL: list[tuple[str, str, bool]] = [
    (placeholder, letter, True) for placeholder, letter in
    (("\x01", "U"), ("\x02", "@"), ("\x03", "#"), ("\x04", "E"), ("\x05", "0"), ("\x06", "A"),
     ("\x07", "W"), ("\x0f", "#"))
]


def _run(arr: StrArray, steps: Sequence[tuple[str, str, bool]]) -> StrArray:
    for pattern, repl, literal in steps:
        arr = (pc.replace_substring(arr, pattern, repl) if literal
               else pc.replace_substring_regex(arr, pattern, repl))
    return arr


def _array(texts: StrArray | Sequence[str | None]) -> StrArray:
    return texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(list(texts), pa.string())


def mask_array(texts: StrArray | Sequence[str | None]) -> StrArray:
    """:func:`mask` of every text (nulls stay null)."""
    return _run(_array(texts), [*_COMMON, *_MASK, *_FINAL])


def skeletons(texts: StrArray | Sequence[str | None]) -> StrArray:
    """The skeleton of every text (``skeleton(mask(text))``, in fewer steps)."""
    out = _run(_array(texts), [*_COMMON, *_SKELETON_OF_TEXT, *_FINAL])
    return pc.utf8_slice_codeunits(out, 0, MAX_SKELETON)


def skeletons_of_masks(masks: StrArray | Sequence[str | None]) -> StrArray:
    out = _run(_array(masks), [*_SKELETON_OF_MASK, *_FINAL])
    return pc.utf8_slice_codeunits(out, 0, MAX_SKELETON)


def frame_edges(texts: StrArray | Sequence[str | None]) -> tuple[StrArray, StrArray, StrArray]:
    """``(heads, tails, has_words)`` of every text: what comes before its first and after its last
    word character, masked, and whether it has a word at all."""
    out = _run(_array(texts), _COMMON)
    # Anchored scans from either end (the tail's on the reversed text) stop at the first word
    # character: far cheaper than one expression over the whole text.
    edge = f"^(?P<e>[^{_L}]*)"
    head = pc.struct_field(pc.extract_regex(out, edge), [0])
    tail = pc.utf8_reverse(pc.struct_field(pc.extract_regex(pc.utf8_reverse(out), edge), [0]))
    return _run(head, _FINAL), _run(tail, _FINAL), pc.match_substring_regex(out, f"[{_L}]")


def frames_of_texts(texts: StrArray | Sequence[str | None]) -> StrArray:
    """The frame of every text (``frame(skeleton(mask(text)))`` for skeletons under
    :data:`MAX_SKELETON`), straight from the text: what comes before the first and after the last
    word character needs no word masking, so two of the costliest steps are skipped."""
    head, tail, words = frame_edges(texts)
    return pc.if_else(words, pc.binary_join_element_wise(head, tail, "|"), pa.scalar("", pa.string()))


def tails_of_texts(texts: StrArray | Sequence[str | None]) -> StrArray:
    """The ending of every text as ``|tail`` (the frame without its opening: ``|  #``); the
    empty string for a text without words."""
    _, tail, words = frame_edges(texts)
    return pc.if_else(words, pc.binary_join_element_wise(pa.scalar("", pa.string()), tail, "|"),
                      pa.scalar("", pa.string()))


def frames(skels: StrArray | Sequence[str | None]) -> StrArray:
    """:func:`frame` of every skeleton."""
    arr = _array(skels)
    framed = pc.replace_substring_regex(arr, r"(?s)^([^Ww]*)[Ww](?:.*[Ww])?([^Ww]*)$", "\\1|\\2")
    return pc.if_else(pc.match_substring_regex(arr, "[Ww]"), framed, pa.scalar("", pa.string()))


def mask(text: str) -> str:
    """The text's template: links ``U``, names ``@``, hashtags ``#``, numbers ``0``, words by
    shape (``W``, ``A``, ``w``), emoji ``E``; whitespace and punctuation as they are."""
    return str(mask_array([text])[0].as_py())


def skeleton(masked: str) -> str:
    """A mask with each run of words joined by single spaces collapsed into one ``W`` (it starts
    with a capital, an all-caps word or a number) or ``w``; cut at :data:`MAX_SKELETON`."""
    return str(skeletons_of_masks([masked])[0].as_py())


def frame(skel: str) -> str:
    """What a skeleton has before its first and after its last run of words, as ``head|tail``;
    the empty string for a post without words."""
    return str(frames([skel])[0].as_py())
