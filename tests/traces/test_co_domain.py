from __future__ import annotations

import pytest

from lockstep.errors import DetectorError
from lockstep.model import Post
from lockstep.traces.base import planted_time
from lockstep.traces.co_domain import CoDomain
from tests.traces._util import significant


def test_rare_domains_fire() -> None:
    ex = CoDomain.example()
    assert significant(CoDomain(), ex.posts) == ex.expected


def test_popular_domain_is_not_an_item() -> None:
    # 40 accounts link to the same big site again and again, at the same moments: not rare.
    posts = [Post("x", f"p{a}{i}", f"a{a}", planted_time(30 * i + a * 0.01), urls=[f"https://big.example/{i}/{a}"],
                  domains=["big.example"]) for a in range(40) for i in range(6)]
    assert significant(CoDomain(max_share=0.01), posts) == set()


def test_bad_parameter_is_refused_with_the_value() -> None:
    with pytest.raises(DetectorError, match=r"max_share.*Got 2"):
        significant(CoDomain(max_share=2), CoDomain.example().posts)
