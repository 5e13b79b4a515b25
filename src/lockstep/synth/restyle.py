"""Render real post texts into the synthetic crowd's vocabulary, keeping everything but the words.

Why: when real timelines are placed into a synthetic crowd (``lockstep synth --embed``), real
English (or Russian) among the generator's word-list texts would let any text model separate real
from synthetic accounts without finding coordination. So each *word* of a real text (a run of
letters) is replaced by a word of the synthetic vocabulary (:mod:`lockstep.synth.words`) chosen by
a keyed hash of the lower-cased word: the same word always becomes the same replacement, so
repeated words stay repeated, copied texts stay copies and an outlet's template stays a template.

Kept exactly: URLs, ``#hashtags``, ``@mentions`` and the ``RT`` before them (so ``RT @user:``
still names the reposted account), digits, punctuation, whitespace (double spaces included), emoji, and the case shape of
each word (``CNN`` -> ``TIGER``, ``Police`` -> ``Coffee``). The key is derived from the seed, so a
run is reproducible and a different seed gives a different rendering.

The crowd's own texts can go through the same mapping (:meth:`Restyler.array`, applied to every
generated text with ``EmbedSpec(restyle_crowd=True)``; off by default, see docs/benchmark.md): a word is rendered the same whether a real or a generated account
wrote it, so the English function words both share ("the", "is", "my") become the same pseudo-word
on both sides, rather than "the" on one side and its replacement on the other.

Known limits: the synthetic vocabulary has a few hundred words, so distinct real words collide
(two different real texts share more words than they did); word lengths and the real word-frequency
curve are not kept; hashtags and mentions stay real words.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from lockstep.ingest.normalize import URL_RE

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: What is copied unchanged: URLs, hashtags and mentions (with the word they tag), and the
#: platform's ``RT`` before ``@user`` (ingest reads reposts from ``RT @user:``).
_KEEP = re.compile(rf"{URL_RE.pattern}|(?<![\w&])#\w+|(?<![\w@])@\w+|\bRT(?= @)", re.IGNORECASE | re.UNICODE)


@cache
def vocabulary() -> tuple[str, ...]:
    """The distinct lower-case words of every word list of the generator, sorted (stable order)."""
    from lockstep.synth import words as W

    found: set[str] = set()
    for value in vars(W).values():
        if isinstance(value, tuple) and value and all(isinstance(x, str) for x in value):
            for text in value:
                found.update(w.lower() for w in _WORD.findall(text) if w.isascii())
    return tuple(sorted(found))


def _shape(src: str, word: str) -> str:
    if len(src) > 1 and src.isupper():
        return word.upper()
    if src[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class Restyler:
    """Maps real texts into the synthetic vocabulary with a keyed hash (see the module doc)."""

    def __init__(self, *, key: bytes) -> None:
        self.key = hashlib.blake2b(key, digest_size=32).digest()
        self.vocab = vocabulary()
        self._memo: dict[str, str] = {}

    def word(self, src: str) -> str:
        """The replacement of one word, in the source word's case shape."""
        low = src.lower()
        rep = self._memo.get(low)
        if rep is None:
            h = hashlib.blake2b(low.encode("utf-8"), key=self.key, digest_size=8).digest()
            rep = self.vocab[int.from_bytes(h, "big") % len(self.vocab)]
            self._memo[low] = rep
        return _shape(src, rep)

    def _words(self, part: str) -> str:
        return _WORD.sub(lambda m: self.word(m.group(0)), part)

    def text(self, text: str | None) -> str | None:
        """One text rendered; ``None`` stays ``None``."""
        if not text:
            return text
        out, pos = [], 0
        for m in _KEEP.finditer(text):
            out.append(self._words(text[pos:m.start()]))
            out.append(m.group(0))
            pos = m.end()
        out.append(self._words(text[pos:]))
        return "".join(out)

    def array(self, texts: pa.Array) -> pa.Array:
        """Every text of an Arrow string array rendered; each distinct text once."""
        enc = pc.dictionary_encode(texts)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        rendered = pa.array([self.text(x) for x in enc.dictionary.to_pylist()], pa.string())
        return rendered.take(enc.indices)
