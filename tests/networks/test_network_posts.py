"""``network_posts``: detection writes each network's members' posts, ordered by network; the report
and the workspace read one network there and get what the join of all posts with the members gives."""

from __future__ import annotations

from lockstep.networks.detect import DetectOptions, run_detection, write_network_posts
from lockstep.report import data
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.store import Store
from lockstep.traces.base import Example
from lockstep.ui.search import SearchIndex
from tests.networks.test_attach import _posts
from tests.report.conftest import DATASET, plant

_JOIN = """SELECT m.network_id, p.platform, p.account_id, p.post_id, p.time, p.text FROM posts p JOIN members m
           ON p.dataset = m.dataset AND p.platform = m.platform AND p.account_id = m.account_id
           WHERE m.dataset = ? ORDER BY ALL"""


def test_detect_writes_every_members_posts_and_replaces_them_on_the_next_run(store: Store) -> None:
    store.append("posts", Example(_posts()).table("ex"))
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    joined = store.rows(_JOIN, ["ex"])
    assert joined and store.rows(
        "SELECT network_id, platform, account_id, post_id, time, text FROM network_posts WHERE dataset = 'ex' "
        "ORDER BY ALL") == joined
    ids = [r[0] for r in store.rows("SELECT network_id FROM network_posts WHERE dataset = 'ex' ORDER BY rowid")]
    assert ids == sorted(ids)  # grouped by network: a reader of one network reads few row groups
    run_detection(store, "ex", DetectOptions(traces=["co_text"], signals=False))
    assert store.scalar("SELECT count(*) FROM network_posts WHERE dataset = 'ex'") == len(joined)


def _view(store: Store) -> tuple[object, ...]:
    row = data.network_rows(store, DATASET, [1])[0]
    v = data.load_network(store, DATASET, row, Pseudonymizer(None))
    return v.daily, v.hour_weekday, v.clients, v.domains, v.urls


def test_readers_get_the_same_from_network_posts_as_from_the_join(store: Store) -> None:
    plant(store)
    assert not data.prejoined(store, DATASET)  # planted as an older store: no network_posts rows
    joined, found = _view(store), SearchIndex(keep=0).networks(store, DATASET, "truth")
    with store.transaction() as con:
        write_network_posts(con, DATASET)
    # the join's posts gone: only network_posts can answer now
    store.con.execute("CREATE TABLE posts_kept AS SELECT * FROM posts")
    store.con.execute("DELETE FROM posts")
    assert data.prejoined(store, DATASET)
    assert _view(store) == joined and joined[0]
    assert SearchIndex(keep=0).networks(store, DATASET, "truth") == found == [1]
