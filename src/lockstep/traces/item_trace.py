"""Shared plumbing of the built-in item-sharing traces: parameter checks and the call into
:func:`~lockstep.traces.cooccur.co_occurrence`. A trace subclass only writes ``events_sql``."""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.traces.base import check_int, parse_window
from lockstep.traces.cooccur import co_occurrence


class ItemTrace:
    """Accounts that take up the same items (links, texts, reposted posts...) within a window."""

    name: ClassVar[str] = ""
    action: ClassVar[str] = "shared the same items"
    item_noun: ClassVar[str] = "items"
    default_window: ClassVar[str] = "30m"
    same_time_only: ClassVar[bool] = False
    #: True where the item key includes the platform (a reposted post, a reply target), so that an
    #: account can only take up its own platform's items: the null model then works per platform.
    items_per_platform: ClassVar[bool] = False
    #: True where the trace's evidence enters the pooled test over traces (:mod:`.combine`);
    #: False for traces that restate another's events (``co_domain``, ``sync``).
    pool_evidence: ClassVar[bool] = True

    def __init__(self, *, window: str | float = "", min_items: int = 3, max_neighbors: int = 32,
                 slow_factor: int = 12) -> None:
        self.window = window
        self.min_items = min_items
        self.max_neighbors = max_neighbors
        self.slow_factor = slow_factor

    def get_params(self) -> dict[str, Any]:
        return {"window": self.window, "min_items": self.min_items, "max_neighbors": self.max_neighbors,
                "slow_factor": self.slow_factor}

    def _validate(self) -> float | str:
        owner = type(self).__name__
        check_int(owner, "min_items", self.min_items, 1, 1_000_000)
        check_int(owner, "max_neighbors", self.max_neighbors, 1, 10_000)
        check_int(owner, "slow_factor", self.slow_factor, 1, 1000)
        return parse_window(self.window or self.default_window, what=f"window of {owner}")

    def events_sql(self, engine: Engine, posts: str) -> str:
        """SELECT platform, account_id, post_id, ts, item, label FROM ``posts``..."""
        raise NotImplementedError

    def prepare(self, engine: Engine, posts: str) -> None:
        """Work to do before ``events_sql`` runs (e.g. near-duplicate clustering)."""

    def finish(self, engine: Engine) -> None:
        """Drop what ``prepare`` made."""

    def detect(self, engine: Engine, posts: str = "posts", *, p_max: float = 1.0) -> pa.Table:
        window = self._validate()
        self.prepare(engine, posts)
        try:
            return co_occurrence(
                engine, self.events_sql(engine, posts), trace=self.name, window=window,
                min_items=self.min_items, max_neighbors=self.max_neighbors, p_max=p_max,
                same_time_only=self.same_time_only, slow_factor=self.slow_factor,
                platform_blocks=self.items_per_platform,
            )
        finally:
            self.finish(engine)
