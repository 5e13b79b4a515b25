from __future__ import annotations

from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.sync import Sync
from tests.traces._util import accounts_in, significant


def test_synchronized_accounts_fire_and_busy_account_does_not() -> None:
    ex = Sync.example()
    got = significant(Sync(), ex.posts)
    assert got == ex.expected
    assert "busy" not in accounts_in(got)


def test_two_merely_very_active_accounts_do_not_fire() -> None:
    posts = [Post("x", f"{a}{i}", a, planted_time(i * (3.1 if a == "a" else 4.7)), text="t")
             for a in ("a", "b") for i in range(600)]
    posts += [Post("x", f"o{i}", f"o{i % 50}", planted_time(i * 5.3), text="t") for i in range(500)]
    assert significant(Sync(), posts) == set()
