"""Each normalization's SQL (and Arrow) twin gives exactly what its Python definition gives.

``lockstep.ingest.normalize`` holds both sides; these properties run them on generated input built
to hit the edges: Unicode (every assigned character, case folding beyond lower-casing, Unicode
whitespace), odd schemes, ports, fragments, tracking parameters, user info, defanged links, case.
RE2 inside DuckDB may know characters Python's Unicode database does not yet have; such
unassigned characters (category Cn) are left out, as are NUL and lone surrogates, which no text holds.
"""

from __future__ import annotations

import unicodedata

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep.engine.duckdb import DuckDBEngine
from lockstep.ingest import normalize as n

_CON = duckdb.connect()
_ENGINE = DuckDBEngine()

_CHAR = st.characters(blacklist_categories=("Cs", "Cn"), blacklist_characters="\x00")
_SPECIAL = st.sampled_from(
    ["ß", "ẞ", "İ", "ς", "Σ", "ﬁ", "Ꭰ", "ꭰ", "ſ", "K", "µ", "ŉ", "Straße", "ΟΔΟΣ", "\u00a0", "\u3000", "\u2028",
     "\x0b", "\x1c", "\x85", "\t", "\n", "  ", " ", "#", "@", "&", "_", ".", ",", ")", "'", '"', "“", "’", "<", "…"])
_URL_PIECE = st.sampled_from(
    ["http://", "HTTPS://", "hTtPs://", "www.", "WWW.", "httpſ://", "ftp://", "mailto:", "javascript:", "hxxp://",
     "example.com", "Ex.CO.uk", "münchen.de", "[::1]", "192.168.0.1", ":8080", ":443", ":80", "/", "/a/B",
     "?utm_source=x", "?id=7&fbclid=y", "&UTM_medium=z", "#frag", "user@", "[.]", "%20"])
_WORDS = st.sampled_from(["RT @Bob_1: ", "RT @" + "x" * 31 + ": ", "rt @bob: ", "hello", "#Tag", "#Straße",
                          "@Ann", "@ΟΔΟΣ", "a@b", "&#x", "##two"])
_TEXT = st.lists(st.one_of(st.text(_CHAR, max_size=6), _SPECIAL, _URL_PIECE, _WORDS), max_size=12).map("".join)
_TEXTS = st.lists(_TEXT, min_size=1, max_size=20)
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(query: str, tbl: pa.Table) -> list[tuple[object, ...]]:
    _CON.register("tbl", tbl)
    try:
        return _CON.execute(query).fetchall()
    finally:
        _CON.unregister("tbl")


def _column(sql_of_text: str, texts: list[str]) -> list[object]:
    return [r[0] for r in _rows(f"SELECT {sql_of_text} AS v FROM tbl", pa.table({"text": pa.array(texts, pa.string())}))]


def test_whitespace_is_pythons() -> None:
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == n.WHITESPACE


def test_casefold_on_every_assigned_character() -> None:
    chars = [c for c in map(chr, range(1, 0x110000)) if unicodedata.category(c) not in ("Cs", "Cn")]
    got = [r[0] for r in _rows(f"SELECT {n.casefold_sql('c')} FROM tbl", pa.table({"c": chars}))]
    wrong = [(c, g, c.casefold()) for c, g in zip(chars, got, strict=True) if g != c.casefold()]
    assert wrong == []


@_SETTINGS
@given(_TEXTS)
def test_casefold_sql_equals_casefold(texts: list[str]) -> None:
    assert _column(n.casefold_sql("text"), texts) == [t.casefold() for t in texts]


@_SETTINGS
@given(_TEXTS)
def test_normalized_text_sql_equals_normalize_text(texts: list[str]) -> None:
    _ENGINE.write("twins", pa.table({"text": pa.array(texts, pa.string())}))
    got = _ENGINE.sql(f"SELECT {n.normalized_text_sql(_ENGINE, 'text')} AS v FROM twins").column("v").to_pylist()
    assert got == [n.normalize_text(t) for t in texts]


@_SETTINGS
@given(_TEXTS)
def test_ascii_fingerprints_equal_text_fingerprint(texts: list[str]) -> None:
    ascii_texts = [t.encode("ascii", "ignore").decode() for t in texts]
    got = [r[0] for r in _rows(n.ascii_fingerprints("tbl"), pa.table({"text": pa.array(ascii_texts, pa.string())}))]
    assert got == [n.text_fingerprint(t) for t in ascii_texts]


@_SETTINGS
@given(_TEXTS)
def test_extraction_sql_equals_python(texts: list[str]) -> None:
    assert _column(n.urls_sql("text"), texts) == [n.extract_urls(t) for t in texts]
    assert _column(n.hashtags_sql("text"), texts) == [n.extract_hashtags(t) for t in texts]
    assert _column(n.mentions_sql("text"), texts) == [n.extract_mentions(t) for t in texts]
    assert _column(n.retweeted_handle_sql("text"), texts) == [n.retweeted_handle(t) for t in texts]


@_SETTINGS
@given(st.lists(_TEXT, max_size=8))
def test_given_hashtags_and_mentions_sql_equal_python(values: list[str]) -> None:
    got = _rows(f"SELECT {n.hashtag_list_sql('v')}, {n.mention_list_sql('v')} FROM tbl",
                pa.table({"v": pa.array([values], pa.list_(pa.string()))}))[0]
    assert got == ([n.normalize_hashtag(v) for v in values], [n.normalize_mention(v) for v in values])


_URL = st.lists(st.one_of(_URL_PIECE, st.text(_CHAR, max_size=4), _SPECIAL), min_size=1, max_size=8).map("".join)


@_SETTINGS
@given(st.lists(st.one_of(_URL, st.none()), min_size=1, max_size=20))
def test_normalize_many_equals_normalize_url(urls: list[str | None]) -> None:
    norm, dom = n.normalize_many(pa.array(urls, pa.string()))
    for u, got_n, got_d in zip(urls, norm.to_pylist(), dom.to_pylist(), strict=True):
        if u is None:
            assert got_n is None and got_d is None
            continue
        assert got_n == n.normalize_url(u), u
        assert got_d == n.registered_domain(got_n), u


@pytest.mark.parametrize("text", ["Straße #Straße @ΟΔΟΣ http://x.io\u00a0end", "RT @a: ﬁne\x85\x0bday"])
def test_known_edges(text: str) -> None:
    _ENGINE.write("twins", pa.table({"text": [text]}))
    got = _ENGINE.sql(f"SELECT {n.normalized_text_sql(_ENGINE, 'text')} AS v FROM twins").column("v").to_pylist()
    assert got == [n.normalize_text(text)]
    assert _column(n.urls_sql("text"), [text]) == [n.extract_urls(text)]


@_SETTINGS
@given(st.lists(_TEXT, min_size=1, max_size=20))
def test_handle_sql_equals_normalize_handle(handles: list[str]) -> None:
    assert _column(n.handle_sql("text"), handles) == [n.normalize_handle(h) for h in handles]


# -- cell readers of the table-shaped adapters (ingest/tabular.py) ------------------------------

_CELL_PIECE = st.sampled_from(["[", "]", "'", '"', ",", ", ", ";", " ", "\u3000", "\u2028", "\t", "a", "Bc", "#tag",
                               "Москва", "1", "22.0", "nan", "NULL", "https://t.co/x", "\x85", "", "7E+17"])
_CELL = st.lists(st.one_of(st.text(_CHAR, max_size=4), _CELL_PIECE), max_size=10).map("".join)


@given(st.lists(st.one_of(st.none(), _CELL), min_size=1, max_size=30))
@_SETTINGS
def test_cell_readers_match(cells: list[str | None]) -> None:
    from lockstep.ingest import tabular as t

    test, value = t.list_cell_sql("text")
    got = _rows(f"SELECT {t.strip_sql('text')}, {t.text_or_none_sql('text')}, {t.clean_id_sql('text')}, {test}, {value}, "
                "strlen(text) = length(text) FROM tbl", pa.table({"text": pa.array(cells, pa.string())}))
    for cell, (stripped, or_none, clean, exact, items, ascii_only) in zip(cells, got, strict=True):
        assert stripped == (None if cell is None else cell.strip())
        assert or_none == t.text_or_none(cell)
        if cell is None or ascii_only:  # the twin's promise: ASCII cells (Python's \d takes other digits)
            assert clean == t.clean_id(cell)
        if exact:
            assert items == t.parse_list(cell)
