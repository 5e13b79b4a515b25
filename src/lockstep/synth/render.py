"""Turn skeleton rows into Arrow columns of Lockstep's post format, one chunk at a time.

Everything here is columnar (numpy indexing, ``pyarrow.compute`` string joins): no per-post Python.
A repost's text is ``RT @author: <target's full text>`` and it carries the target's URLs, hashtags
and media, as platform exports do; a reply starts with ``@author``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lockstep.model import POST_SCHEMA
from lockstep.synth import habits
from lockstep.synth import words as W
from lockstep.synth.skeleton import DERIVED, FIXED, POLITICAL, REPLY, REPLY_WORDS, REPOST, WORDS

POST_OUT_SCHEMA = pa.schema([f for f in POST_SCHEMA if f.name not in ("dataset", "source_file", "source_line")])
_SLOTS = [pa.array(s) for s in (W.OPENERS, W.SUBJECTS, W.VERBS, W.ADJECTIVES, W.TAILS, W.CLOSERS)]
_REPLY = pa.array(W.REPLY_BITS)
_POLITICAL = [pa.array(s) for s in (W.STANCE, tuple(f"the {t}" for t in W.TOPIC_WORDS), W.NOUNS,
                                    tuple(f"{t}." for t in W.SUBJECT_TAILS), W.OP_TAILS)]
POST_ID_BASE = 1_760_000_000_000_000_000


@dataclass
class Tables:
    """String pools and per-account columns, as Arrow arrays for ``take``."""

    fixed: pa.Array
    urls: pa.Array
    url_domains: pa.Array
    tags: pa.Array
    account_id: pa.Array
    handle: pa.Array
    platform: pa.Array
    client: pa.Array
    language: pa.Array
    #: Writing habits per account (:mod:`lockstep.synth.habits`); ``None``: none.
    habit: np.ndarray | None = None


def _words(seed: np.ndarray) -> pa.Array:
    parts = [slot.take(pa.array((seed >> (10 * i)) % len(slot))) for i, slot in enumerate(_SLOTS)]
    text = pc.binary_join_element_wise(*parts, " ")
    return pc.utf8_trim_whitespace(text)


def _political(seed: np.ndarray) -> pa.Array:
    """Organic political chatter, built like the operations' messages (so wording alone is no tell)."""
    parts = [slot.take(pa.array((seed >> (9 * i)) % len(slot))) for i, slot in enumerate(_POLITICAL)]
    return pc.binary_join_element_wise(*parts, " ")


def _scatter(parts: list[tuple[np.ndarray, pa.Array]], n: int) -> pa.Array:
    pos = np.concatenate([p for p, _ in parts]) if parts else np.zeros(0, np.int64)
    vals = pa.concat_arrays([v.cast(pa.string()) for _, v in parts]) if parts else pa.array([], pa.string())
    inv = np.empty(n, np.int64)
    inv[pos] = np.arange(len(pos))
    return vals.take(pa.array(inv))


def _hex(values: np.ndarray) -> pa.Array:
    raw = np.frombuffer(values.astype(">u8").tobytes().hex().encode(), dtype="S16")
    return pa.array(raw).cast(pa.string())


def _lists(values: pa.Array, counts: np.ndarray) -> pa.Array:
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string()))


class Renderer:
    """Renders any set of rows of a finished skeleton; ``post_rank`` maps row -> time order."""

    def __init__(self, cols: dict[str, np.ndarray], tables: Tables, post_rank: np.ndarray) -> None:
        self.c = cols
        self.tb = tables
        self.rank = post_rank

    def post_id(self, rows: np.ndarray) -> pa.Array:
        return pa.array(POST_ID_BASE + self.rank[rows] * 7).cast(pa.string())

    def _author_handle(self, rows: np.ndarray) -> pa.Array:
        return self.tb.handle.take(pa.array(self.c["acct"][rows]))

    def full_text(self, src: np.ndarray) -> pa.Array:
        """Body + URL + hashtags of non-repost rows."""
        c = self.c
        tk, a = c["text_kind"][src], c["text_a"][src]
        parts = []
        for kind in (WORDS, FIXED, REPLY_WORDS, POLITICAL):
            idx = np.flatnonzero(tk == kind)
            if not len(idx):
                continue
            if kind == WORDS:
                parts.append((idx, _words(a[idx])))
            elif kind == FIXED:
                parts.append((idx, self.tb.fixed.take(pa.array(a[idx]))))
            elif kind == POLITICAL:
                parts.append((idx, _political(a[idx])))
            else:
                at = pa.array(np.full(len(idx), "@"))
                h = self._author_handle(c["target"][src[idx]])
                bit = _REPLY.take(pa.array(a[idx] % len(_REPLY)))
                tail = _SLOTS[4].take(pa.array((a[idx] >> 12) % len(_SLOTS[4])))
                parts.append((idx, pc.binary_join_element_wise(pc.binary_join_element_wise(at, h, ""),
                                                               bit, tail, " ")))
        body = _scatter(parts, len(src))
        url = c["url"][src]
        if self.tb.habit is not None:
            generated = (tk == WORDS) | (tk == REPLY_WORDS) | (tk == POLITICAL)
            code = np.where(generated, self.tb.habit[c["acct"][src]], 0)
            has_tail = (url >= 0) | (c["tag0"][src] >= 0) | (c["tag1"][src] >= 0) | (c["tag2"][src] >= 0)
            body = habits.apply(body, code, a, has_tail)
        url_s = self.tb.urls.take(pa.array(np.where(url >= 0, url, 0), mask=url < 0))
        tags = []
        for k in range(3):
            t = c[f"tag{k}"][src]
            tags.append(pc.binary_join_element_wise(
                pa.array(np.full(len(src), "#")), self.tb.tags.take(pa.array(np.where(t >= 0, t, 0), mask=t < 0)), ""))
        return pc.binary_join_element_wise(body, url_s, *tags, " ", null_handling="skip")

    def render(self, rows: np.ndarray) -> pa.Table:
        c, tb = self.c, self.tb
        n = len(rows)
        kind = c["kind"][rows]
        derived = c["text_kind"][rows] == DERIVED
        target = c["target"][rows]
        src = np.where(derived, target, rows)
        acct = c["acct"][rows]
        full = self.full_text(src)
        tgt_acct = c["acct"][np.where(target >= 0, target, 0)]
        has_tgt = target >= 0
        tgt_handle = tb.handle.take(pa.array(tgt_acct))
        prefix = pc.if_else(pa.array(derived), pc.binary_join_element_wise(
            pa.array(np.full(n, "RT @")), tgt_handle, pa.array(np.full(n, ": ")), ""), pa.array(np.full(n, "")))
        text = pc.binary_join_element_wise(prefix, full, "")
        url = c["url"][src]
        has_url = url >= 0
        tagm = np.stack([c[f"tag{k}"][src] for k in range(3)], axis=1)
        media = c["media"][src]
        tgt_id = self.post_id(np.where(has_tgt, target, 0))
        tgt_acc_id = tb.account_id.take(pa.array(tgt_acct))
        is_rep, is_reply = pa.array(kind == REPOST), pa.array(kind == REPLY)
        null = pa.nulls(n, pa.string())
        cols = {
            "platform": tb.platform.take(pa.array(acct)),
            "post_id": self.post_id(rows),
            "account_id": tb.account_id.take(pa.array(acct)),
            "handle": tb.handle.take(pa.array(acct)),
            "time": pa.array(c["t"][rows], pa.timestamp("us")),
            "time_zone_known": pa.array(np.ones(n, bool)),
            "text": text,
            "language": tb.language.take(pa.array(acct)),
            "urls": _lists(tb.urls.take(pa.array(url[has_url])), has_url.astype(np.int32)),
            "domains": _lists(tb.url_domains.take(pa.array(url[has_url])), has_url.astype(np.int32)),
            "hashtags": _lists(tb.tags.take(pa.array(tagm[tagm >= 0])), (tagm >= 0).sum(axis=1)),
            "mentions": _lists(pc.utf8_lower(tgt_handle.filter(pa.array(has_tgt))), has_tgt.astype(np.int32)),
            "reply_to_post": pc.if_else(is_reply, tgt_id, null),
            "reply_to_account": pc.if_else(is_reply, tgt_acc_id, null),
            "repost_of_post": pc.if_else(is_rep, tgt_id, null),
            "repost_of_account": pc.if_else(is_rep, tgt_acc_id, null),
            "quote_of_post": null,
            "media_hashes": _lists(_hex(media[media >= 0]), (media >= 0).astype(np.int32)),
            "client": tb.client.take(pa.array(acct)),
        }
        return pa.Table.from_arrays([cols[f.name] for f in POST_OUT_SCHEMA],
                                    schema=pa.schema([f.with_nullable(True) for f in POST_OUT_SCHEMA]))
