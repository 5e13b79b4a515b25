"""co_domain: accounts that link to the same *rarely shared* domains within a window.

Sharing links to the same big news site says nothing; sharing links to the same obscure site
(often a network of look-alike "news" domains run by the operation) does. Only domains taken up by
at most ``max_share`` of the accounts that share links at all (or by at most ``MIN_CAP``
accounts, in small data) are items.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lockstep.engine.base import Engine
from lockstep.traces.base import Example, check_float
from lockstep.traces.co_link import _link_example
from lockstep.traces.item_trace import ItemTrace

#: A domain taken up by this many accounts or fewer always counts as rare, whatever the data size.
MIN_CAP = 10


class CoDomain(ItemTrace):
    """Co-sharing of rare domains."""

    name: ClassVar[str] = "co_domain"
    action: ClassVar[str] = "linked to the same rarely shared domains"
    item_noun: ClassVar[str] = "domains"
    pool_evidence: ClassVar[bool] = False
    default_window: ClassVar[str] = "1h"

    def __init__(self, *, window: str | float = "", min_items: int = 3, max_neighbors: int = 32, slow_factor: int = 12,
                 max_share: float = 0.01) -> None:
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors,
                         slow_factor=slow_factor)
        self.max_share = max_share

    def get_params(self) -> dict[str, Any]:
        return {**super().get_params(), "max_share": self.max_share}

    def _validate(self) -> float | str:
        check_float(type(self).__name__, "max_share", self.max_share, 0.0, 1.0)
        return super()._validate()

    def events_sql(self, engine: Engine, posts: str) -> str:
        ev = (
            f"SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"{engine.explode('domains')} AS item FROM {posts} WHERE domains IS NOT NULL"
        )
        return (
            f"WITH d AS ({ev}), "
            "pop AS (SELECT item, COUNT(DISTINCT platform || '/' || account_id) AS k FROM d GROUP BY item), "
            "tot AS (SELECT COUNT(DISTINCT platform || '/' || account_id) AS n FROM d) "
            "SELECT d.platform, d.account_id, d.post_id, d.ts, d.item, d.item AS label "
            "FROM d JOIN pop ON d.item = pop.item CROSS JOIN tot "
            f"WHERE pop.k <= GREATEST({MIN_CAP}, tot.n * {float(self.max_share)!r})"
        )

    @staticmethod
    def example() -> Example:
        # Five pages on five obscure domains of one operation (pushed0.example ... pushed4.example).
        posts = _link_example("https://pushed", "https://news.example/breaking")
        posts = [p if "pushed" not in (p.urls or [""])[0] else
                 type(p)(p.platform, p.post_id, p.account_id, p.time, urls=p.urls,
                         domains=[(p.urls or [""])[0].split("/")[2].replace("pushed", "pushed-").split("/")[0]
                                  + ".example"])
                 for p in posts]
        return Example(posts, {(("x", "f1"), ("x", "f2")), (("x", "f1"), ("tg", "f3")),
                               (("tg", "f3"), ("x", "f2"))})
