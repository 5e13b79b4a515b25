"""The texts of one dataset, reduced to what the embedding budget should be spent on.

Posts are normalized (``ingest.normalize.normalize_text``: no URLs, no ``RT @x:``, case-folded)
and deduplicated: a retweet wave of one text costs one embedding. Unique texts are then ranked so
that a budget taken from the top covers what matters first: texts of flagged networks' members
(interleaved across networks and days), then the background interleaved across days (a
stratified sample, so a busy week cannot crowd out a quiet one).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import pyarrow as pa

from lockstep.ingest.normalize import normalize_text
from lockstep.narratives.embed import model_covers
from lockstep.store import Store

log = logging.getLogger(__name__)


def text_hash(normalized: str) -> str:
    return hashlib.sha1(normalized.encode("utf-8", "replace")).hexdigest()[:20]


@dataclass
class Corpus:
    """``posts``: one row per post with text (platform, post_id, account_id, time, text_hash).
    The unique-text lists are aligned and in budget priority order."""

    posts: pa.Table
    hashes: list[str]
    texts: list[str]
    counts: list[int]
    covered: list[bool]
    flagged: list[bool]
    skipped_empty: int


def load_corpus(store: Store, dataset: str) -> Corpus:
    raw = store.query(
        "SELECT platform, post_id, account_id, time, text, language FROM posts "
        "WHERE dataset = ? ORDER BY time, platform, post_id", [dataset])
    texts = raw.column("text").to_pylist()
    langs = raw.column("language").to_pylist()
    norm = [normalize_text(t) for t in texts]
    keep = [i for i, t in enumerate(norm) if t]
    skipped = raw.num_rows - len(keep)
    idx = pa.array(keep, pa.int64())
    hashes = [text_hash(norm[i]) for i in keep]
    posts = pa.table({
        "platform": raw.column("platform").take(idx),
        "post_id": raw.column("post_id").take(idx),
        "account_id": raw.column("account_id").take(idx),
        "time": raw.column("time").take(idx),
        "text_hash": pa.array(hashes, pa.string()),
        "norm": pa.array([norm[i] for i in keep], pa.string()),
        "covered": pa.array([model_covers(langs[i]) for i in keep], pa.bool_()),
    })
    store.con.register("_lockstep_corpus", posts)
    try:
        ranked = store.con.execute(
            """
            WITH m AS (
                SELECT platform, account_id, min(network_id) AS network_id FROM members
                WHERE dataset = ? GROUP BY 1, 2),
            p AS (
                SELECT c.*, m.network_id FROM _lockstep_corpus c
                LEFT JOIN m USING (platform, account_id)),
            u AS (
                SELECT text_hash, any_value(norm) AS norm, count(*) AS n, bool_and(covered) AS covered,
                       min(network_id) AS network_id, min(date_trunc('day', time)) AS day
                FROM p GROUP BY text_hash),
            r AS (
                SELECT *, network_id IS NOT NULL AS flagged,
                       row_number() OVER (PARTITION BY network_id IS NOT NULL, coalesce(network_id, -1), day
                                          ORDER BY n DESC, text_hash) AS rk
                FROM u)
            SELECT text_hash, norm, n, covered, flagged FROM r
            ORDER BY flagged DESC, rk, text_hash
            """, [dataset]).to_arrow_table()
    finally:
        store.con.unregister("_lockstep_corpus")
    log.info("%s: %d posts with text (%d without), %d unique texts", dataset, posts.num_rows, skipped,
             ranked.num_rows)
    return Corpus(posts=posts.drop_columns(["norm", "covered"]),
                  hashes=ranked.column("text_hash").to_pylist(),
                  texts=ranked.column("norm").to_pylist(),
                  counts=ranked.column("n").to_pylist(),
                  covered=ranked.column("covered").to_pylist(),
                  flagged=ranked.column("flagged").to_pylist(),
                  skipped_empty=skipped)
