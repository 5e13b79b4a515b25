from __future__ import annotations

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.ingest.normalize import normalize_text
from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_text import CoText, normalized_text_sql
from lockstep.traces.minhash import near_duplicate_groups, signatures
from tests.traces._util import accounts_in, significant


def test_copypasta_with_small_edits_fires_and_good_morning_does_not() -> None:
    ex = CoText.example()
    got = significant(CoText(), ex.posts)
    assert got == ex.expected
    assert not any(a.startswith("p") for a in accounts_in(got))


def test_exact_only_misses_the_edited_copies() -> None:
    # With a similarity of 1.0 only identical texts match: edited copies no longer pair.
    ex = CoText.example()
    assert significant(CoText(similarity=1.0), ex.posts) == set()


def test_sql_normalization_matches_python() -> None:
    import pyarrow as pa

    samples = ["RT @someone: Hello   World https://t.co/abc?x=1 end", "Visit WWW.Example.com/x NOW\u00a0 ok",
               "  Many\tspaces\n here ", "quote \u201chttp://a.b/c\u201d done", "RT @a_b1: x",
               # the fast path (no regular expression needed) and the cases that must leave it
               "Plain Text With Caps", "  padded with spaces  ", "two  spaces", "thin\u2009space",
               "ideographic\u3000space", "no rt here RT @x: mid-text", "Www.Site.Org"]
    e = DuckDBEngine()
    e.write("t", pa.table({"text": samples}))
    got = e.sql(f"SELECT {normalized_text_sql(e, 'text')} AS n FROM t").column("n").to_pylist()
    assert got == [normalize_text(s) for s in samples]


def test_exact_mode_misses_the_edited_copies_but_keeps_identical_ones() -> None:
    ex = CoText.example()
    assert significant(CoText(near_duplicates=False), ex.posts) == set()
    same = [Post(p.platform, p.post_id, p.account_id, p.time, text=(p.text or "").removesuffix(" !!")
                 .removesuffix(" (please RT)")) for p in ex.posts]
    assert significant(CoText(near_duplicates=False), same) == ex.expected


def test_minhash_groups_near_duplicates_only() -> None:
    texts = ["the quick brown fox jumps over the lazy dog near the river bank",
             "the quick brown fox jumps over the lazy dog near the river bank!!",
             "an entirely different sentence about the weather in the mountains"]
    groups = near_duplicate_groups(signatures(texts), threshold=0.7, bands=8)
    assert groups[0] == groups[1] != groups[2]


def test_one_off_near_duplicates_do_not_chain_but_copied_variants_do() -> None:
    # Ten texts, each the previous one shifted by two words: neighbours are near-duplicates, the
    # ends share nothing. Posted once each (chance wording), they must not become one item;
    # posted again and again (a copied text's variants), they may.
    import numpy as np

    words = [f"word{i:02d}" for i in range(60)]
    texts = [" ".join(words[2 * k:2 * k + 24]) for k in range(10)]
    sig = signatures(texts)
    once = near_duplicate_groups(sig, threshold=0.7, bands=8, repeated=np.zeros(10, dtype=bool))
    assert once[0] != once[9]
    assert len(set(once.tolist())) >= 3
    for member, leader in enumerate(once.tolist()):  # every member is similar to its group's text itself
        assert leader <= member and (sig[member] == sig[leader]).mean() >= 0.7
    copied = near_duplicate_groups(sig, threshold=0.7, bands=8, repeated=np.ones(10, dtype=bool))
    assert copied[0] == copied[9]
    # One-off texts between two copied groups join them but do not merge them.
    mixed = np.array([True, True, False, False, False, True, True, True, True, True])
    split = near_duplicate_groups(sig, threshold=0.7, bands=8, repeated=mixed)
    assert split[0] == split[1] != split[9] == split[5]


def test_reposts_are_left_to_co_repost() -> None:
    posts = [Post("x", f"{a}{i}", a, planted_time(60 * i + j), text=f"RT @s: the same long retweeted text {i} here",
                  repost_of_account="s") for i in range(5) for j, a in enumerate("abc")]
    assert significant(CoText(), posts) == set()
