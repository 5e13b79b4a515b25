from __future__ import annotations

from lockstep.traces.co_reply import CoMention, CoReply
from tests.traces._util import accounts_in, significant


def test_reply_brigade_fires_and_crowd_on_hot_post_does_not() -> None:
    ex = CoReply.example()
    got = significant(CoReply(), ex.posts)
    assert got == ex.expected
    assert not any(a.startswith("s") for a in accounts_in(got))


def test_mention_campaign_fires_and_president_mentions_do_not() -> None:
    ex = CoMention.example()
    got = significant(CoMention(), ex.posts)
    assert got == ex.expected
    assert not any(a.startswith("s") for a in accounts_in(got))
