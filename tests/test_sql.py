"""SQL quoting lives in one place (``lockstep.sql``); values and names with quotes stay values.

The round trips run through DuckDB itself. The regression tests are inputs that broke a hand-rolled
quoting site before: a ``--platform`` with an apostrophe filling a native table's empty platform
cells, and a CSV header holding a double quote in a file whose rows are quarantined.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from lockstep.ingest.base import ReadOptions
from lockstep.ingest.pipeline import ingest_file
from lockstep.sql import identifier, literal
from lockstep.store import Store

_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
_CON = duckdb.connect()


@settings(max_examples=300, deadline=None)
@given(value=_TEXT)
def test_a_literal_reads_back_as_the_same_value(value: str) -> None:
    assert _CON.execute(f"SELECT {literal(value)}").fetchone() == (value,)


@settings(max_examples=150, deadline=None)
@given(name=_TEXT.filter(lambda s: s.strip() != ""))
def test_an_identifier_names_exactly_that_column(name: str) -> None:
    got = _CON.execute(f"SELECT {identifier(name)} FROM (SELECT 7 AS {identifier(name)})")
    assert got.fetchone() == (7,)
    assert got.description is not None and got.description[0][0] == name


def test_a_platform_with_a_quote_fills_empty_platform_cells(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "posts.csv"
    f.write_text("post_id,account_id,platform,time,text\n"
                 "1,a,,2024-01-01T00:00:00,hello\n"
                 "2,b,x,2024-01-01T00:01:00,there\n", encoding="utf-8")
    s = ingest_file(store, f, fmt="lockstep", options=ReadOptions(platform="o'reilly"))
    assert s.posts_stored == 2
    assert store.rows("SELECT post_id, platform FROM posts ORDER BY 1") == [("1", "o'reilly"), ("2", "x")]


def test_a_header_with_a_double_quote_is_kept_in_quarantined_rows(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "ira.csv"
    header = ("author,external_author_id,content,region,language,publish_date,harvested_date,following,"
              'followers,updates,post_type,account_type,retweet,account_category,new_june_2018,"say ""hi"""')
    f.write_text(header + "\n"
                 "A,1,text one,United States,English,2016-07-01 00:00:00,2016-07-01 00:00:00,1,2,3,,left,0,LeftTroll,0,x\n"
                 ",2,no author,United States,English,2016-07-01 00:01:00,2016-07-01 00:01:00,1,2,3,,left,0,LeftTroll,0,y\n",
                 encoding="utf-8")
    s = ingest_file(store, f, fmt="ira_csv")
    assert (s.posts_stored, s.quarantined) == (1, 1)
    raw = store.rows("SELECT raw FROM quarantine")[0][0]
    assert '"say \\"hi\\"":"y"' in raw, raw
