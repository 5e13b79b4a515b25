"""Ids a spreadsheet rounded into scientific notation (``7.94976E+17``) are not ids: stored as
such they would merge distinct posts as duplicates. Such rows are quarantined with a reason that
says what happened and how to re-export; a whole mangled column is said once in the summary."""

from __future__ import annotations

from lockstep.ingest.pipeline import ingest_file
from lockstep.store import Store
from tests.conftest import DATA
from tests.ingest.helpers import quarantine_by_line

HOSTILE = DATA / "hostile"


def test_io_archive_with_every_tweetid_rounded(store: Store) -> None:
    s = ingest_file(store, HOSTILE / "io_tweets_excel.csv", fmt="twitter_io_tweets", dataset="io")
    assert s.posts_stored == 0 and s.duplicates == 0 and s.quarantined == 3
    q = quarantine_by_line(store)
    assert sorted(q) == [2, 3, 4]
    assert "'7.94976E+17' is an id rounded by a spreadsheet" in q[2]
    assert "Re-export the original file without opening it in a spreadsheet" in q[2]
    notes = [n for n in s.notes if "rounded by a spreadsheet" in n]
    assert notes == [notes[0]] and notes[0].startswith("every value of column tweetid")


def test_twarc_csv_row_with_a_rounded_id(store: Store) -> None:
    s = ingest_file(store, HOSTILE / "twarc_csv_excel.csv", fmt="twarc_csv", dataset="t")
    assert sorted(r[0] for r in store.rows("SELECT post_id FROM posts")) == [
        "1600000000000000001", "1600000000000000003"]
    q = quarantine_by_line(store)
    assert list(q) == [3] and "column id: '1.6E+18' is an id rounded by a spreadsheet" in q[3]
    assert any(n.startswith("1 of 3 values of column id") for n in s.notes)
