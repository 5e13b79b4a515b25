"""sync: accounts whose activity lines up in the same short time slots, moment after moment.

An operator driving many accounts from one tool posts with all of them in the same minutes. Each
account's activity is reduced to the slots (of ``window`` seconds) it was active in; a slot is the
"item". The null model keeps each account's number of active slots and each slot's number of
active accounts, so busy hours and busy accounts do not by themselves make a pair significant.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lockstep.engine.base import Engine
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.item_trace import ItemTrace


class Sync(ItemTrace):
    """Synchronized activity across many distinct moments."""

    name: ClassVar[str] = "sync"
    action: ClassVar[str] = "were active in the same time slots"
    item_noun: ClassVar[str] = "time slots"
    default_window: ClassVar[str] = "60s"
    same_time_only: ClassVar[bool] = True
    pool_evidence: ClassVar[bool] = False

    def __init__(self, *, window: str | float = "", min_items: int = 5, max_neighbors: int = 32) -> None:
        super().__init__(window=window, min_items=min_items, max_neighbors=max_neighbors, slow_factor=1)

    def get_params(self) -> dict[str, Any]:
        # Slots have one width: sync has no slow time scale.
        return {"window": self.window, "min_items": self.min_items, "max_neighbors": self.max_neighbors}

    def events_sql(self, engine: Engine, posts: str) -> str:
        # One event per account and slot, at the account's first post in it: neighbours within
        # a slot are then the accounts that were active closest in time.
        w = repr(self._slot)
        return (
            "SELECT platform, account_id, MIN(post_id) AS post_id, MIN(ts) AS ts, "
            "CAST(slot AS VARCHAR) AS item, 'active in slot ' || CAST(slot AS VARCHAR) AS label FROM ("
            f"  SELECT platform, account_id, post_id, {engine.epoch('time')} AS ts, "
            f"         CAST(FLOOR({engine.epoch('time')} / {w}) AS BIGINT) AS slot FROM {posts}) s "
            "GROUP BY platform, account_id, slot"
        )

    def prepare(self, engine: Engine, posts: str) -> None:
        window = self._validate()
        # 'auto' has no meaning before slots exist; sync falls back to its default slot.
        self._slot = float(window) if window != "auto" else 60.0

    @staticmethod
    def example() -> Example:
        posts = [Post("x", f"s{i}{a}", a, planted_time(137 * i + 0.05 * j), text="x")
                 for i in range(8) for j, a in enumerate(["s1", "s2", "s3"])]
        posts += [Post("x", f"busy{i}", "busy", planted_time(7.3 * i), text="y") for i in range(300)]
        posts += background(lambda a, p, t, n: Post("x", p, a, t, text="z"), per_account=8)
        return Example(posts, {(("x", "s1"), ("x", "s2")), (("x", "s1"), ("x", "s3")),
                               (("x", "s2"), ("x", "s3"))})
