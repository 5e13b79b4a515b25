"""Personal writing habits of generated accounts, so text style varies across the crowd as in life.

Why: without them every generated post is a lower-case sentence from one slot grammar, and any
account whose texts carry capitals, end punctuation, emoji or spacing habits stands out from the
whole crowd, whatever it does. That makes "unusual style" look like evidence when real timelines are
embedded (``synth --embed``; see docs/benchmark.md), so a share of accounts (``style_habits`` in the
profile) gets habits of their own, drawn once per account from a stream of their own (the rest of
the dataset is the same with or without them):

* capitalises the first letter (60% of those accounts),
* ends posts with ``.``, ``!``, ``!!``, ``...`` or ``?`` (60%; one mark per account),
* puts two spaces before its link or hashtags (8%),
* writes some posts in capitals (10%; a quarter of their posts),
* ends posts with an emoji (15%; half of their posts),
* puts a comma after the second word (30%; half of their posts),
* capitalises every word (15%; half of their posts),
* puts the sentence in double quotes (8%; a third of their posts).

The last three came from ``bench/embed_style.py``: with the first five only, commas, quotes and
capitalised words were among the strongest features telling embedded real accounts from the crowd.

Only generated sentences (organic chatter, political chatter, replies) change; fixed texts (headlines,
common phrases, copypasta) stay as they are, since they are copied word for word.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.synth import words as W

CAPITAL, END_MARK, DOUBLE_SPACE, SHOUTS, EMOJI_END, COMMA, TITLE, QUOTE = 1, 2, 4, 8, 16, 32, 64, 128
MARKS = (".", "!", "!!", "...", "?")
_SHARES = ((CAPITAL, 0.6), (END_MARK, 0.6), (DOUBLE_SPACE, 0.08), (SHOUTS, 0.10), (EMOJI_END, 0.15),
           (COMMA, 0.3), (TITLE, 0.15), (QUOTE, 0.08))


def draw(seed: int, n_accounts: int, share: float) -> np.ndarray:
    """One habit code per account: bits of the flags above plus the end mark (bits 8+) and emoji
    (bits 12+); 0 for accounts without habits."""
    if share <= 0 or n_accounts == 0:
        return np.zeros(n_accounts, np.int64)
    rng = np.random.default_rng([seed, 7])
    has = rng.random(n_accounts) < share
    code = np.zeros(n_accounts, np.int64)
    for flag, p in _SHARES:
        code |= np.where(has & (rng.random(n_accounts) < p), flag, 0)
    code |= rng.integers(0, len(MARKS), n_accounts) << 8
    code |= rng.integers(0, len(W.EMOJI), n_accounts) << 12
    return np.where(has, code, 0)


def apply(body: pa.Array, code: np.ndarray, row_seed: np.ndarray, has_tail: np.ndarray) -> pa.Array:
    """``body`` (one generated sentence per row) in each row's account's habits; ``has_tail``: the
    row has a link or hashtags after the body."""
    if not code.any():
        return body
    n = len(body)
    coin = (row_seed >> 40) % 100
    out = body.cast(pa.string())
    caps = (code & CAPITAL) > 0
    if caps.any():
        out = pc.if_else(pa.array(caps), pc.utf8_capitalize(out), out)
    title = ((code & TITLE) > 0) & (coin % 4 < 2)
    if title.any():
        out = pc.if_else(pa.array(title), pc.utf8_title(out), out)
    comma = ((code & COMMA) > 0) & (coin % 8 < 4)
    if comma.any():
        out = pc.if_else(pa.array(comma), pc.replace_substring_regex(
            out, pattern=r"^(\S+ \S+) (\S)", replacement=r"\1, \2", max_replacements=1), out)
    quote = ((code & QUOTE) > 0) & (coin % 3 == 0)
    if quote.any():
        out = pc.if_else(pa.array(quote), pc.binary_join_element_wise('"', out, '"', ""), out)
    shout = ((code & SHOUTS) > 0) & (coin < 25)
    if shout.any():
        out = pc.if_else(pa.array(shout), pc.utf8_upper(out), out)
    mark = np.where((code & END_MARK) > 0, (code >> 8) & 0xF, -1)
    emoji = ((code & EMOJI_END) > 0) & (coin % 2 == 0)
    tail = np.full(n, "", object)
    tail[mark >= 0] = np.asarray(MARKS, object)[mark[mark >= 0]]
    if emoji.any():
        tail[emoji] = tail[emoji] + " " + np.asarray(W.EMOJI, object)[((code[emoji] >> 12) & 0xFF) % len(W.EMOJI)]
    spaced = ((code & DOUBLE_SPACE) > 0) & has_tail
    tail[spaced] = tail[spaced] + " "
    if (tail != "").any():
        out = pc.binary_join_element_wise(out, pa.array(tail.tolist(), pa.string()), "")
    return out
