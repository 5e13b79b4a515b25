"""The time-free similarity traces: the same hashtags, domains, links, reposted, mentioned and
replied-to accounts over the whole period, whatever the timing.

Each is a thin wrapper that says what its items are; :func:`~lockstep.traces.similarity.similar_accounts`
does the rest (TF-IDF top-k cosine neighbours, the configuration-model null, evidence). They catch
what the windowed ``co_*`` traces cannot: personas that share one private vocabulary of tags or
sources over days (local-news fronts, hashtag-game players hours apart), never at the same moment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pyarrow as pa

from lockstep.engine.base import Engine
from lockstep.errors import DetectorError
from lockstep.model import Post
from lockstep.traces.base import Example, background, planted_time
from lockstep.traces.similarity import similar_accounts

_ORIGINALS = "repost_of_post IS NULL AND repost_of_account IS NULL"
_DAY_UNITS = {"d": 1.0, "day": 1.0, "days": 1.0, "w": 7.0, "week": 7.0, "weeks": 7.0}


def parse_period(value: Any, *, owner: str) -> float:
    """``""``/``"all"``/``0`` -> 0 (the whole dataset); ``"30d"``, ``"2w"`` or a number of days."""
    if value in ("", "all", 0, 0.0) or value is None:
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        days = float(value)
    else:
        text = str(value).strip().lower()
        num = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
        unit = text[len(num):].strip() or "d"
        try:
            days = float(num) * _DAY_UNITS[unit]
        except (KeyError, ValueError):
            days = -1.0
    if not 1 <= days <= 3650:
        raise DetectorError(f"The period of {owner} must be 'all' or a number of days from 1 to 3650 such as "
                            f"30d or 2w. Got {value!r} instead.")
    return days


class SimilarityTrace:
    """Accounts that use the same items over the whole period (or slices of ``period``)."""

    name: ClassVar[str] = ""
    action: ClassVar[str] = "used the same items"
    item_noun: ClassVar[str] = "items"
    #: No time window: explanations and ``--window`` treat these traces apart.
    time_free: ClassVar[bool] = True
    #: Items belong to one platform (an account handle): the null model works per platform.
    items_per_platform: ClassVar[bool] = False
    #: The evidence restates what the windowed traces pool; it is not pooled again.
    pool_evidence: ClassVar[bool] = False

    def __init__(self, *, period: str | float = "all", min_items: int = 3, top_k: int = 20,
                 max_accounts: int = 0) -> None:
        self.period = period
        self.min_items = min_items
        self.top_k = top_k
        self.max_accounts = max_accounts

    def get_params(self) -> dict[str, Any]:
        return {"period": self.period, "min_items": self.min_items, "top_k": self.top_k,
                "max_accounts": self.max_accounts}

    def items_sql(self, engine: Engine, posts: str) -> str:
        """SELECT platform, account_id, post_id, time, item, label FROM ``posts``..."""
        raise NotImplementedError

    def detect(self, engine: Engine, posts: str = "posts", *, p_max: float = 1.0) -> pa.Table:
        days = parse_period(self.period, owner=type(self).__name__)
        return similar_accounts(engine, self.items_sql(engine, posts), trace=self.name, top_k=self.top_k,
                                min_items=self.min_items, max_accounts=self.max_accounts, period_days=days,
                                platform_blocks=self.items_per_platform, p_max=p_max)

    @staticmethod
    def example() -> Example:
        raise NotImplementedError


def _exploded(engine: Engine, posts: str, column: str, item: str, label: str, where: str = "TRUE") -> str:
    return (
        f"SELECT platform, account_id, post_id, time, {item} AS item, {label} AS label FROM ("
        f"  SELECT platform, account_id, post_id, time, {engine.explode(column)} AS v FROM {posts} "
        f"  WHERE {column} IS NOT NULL AND {where}) e WHERE v IS NOT NULL AND v <> ''"
    )


def _planted(make: Any) -> Example:
    """Three accounts use the same six rare items, one a day at scattered hours (never within
    hours of each other); twelve strangers each use one popular item; forty accounts use their
    own. ``make(account, post_id, time, item)`` builds a post around an item name."""
    posts = [make(a, f"s{i}{a}", planted_time(1440 * i + 300 * j + 47 * i * j), f"own{i}")
             for i in range(6) for j, a in enumerate(["p1", "p2", "p3"])]
    posts += [make(f"fan{i}", f"v{i}", planted_time(3 + 600 * i), "everyone") for i in range(12)]
    posts += background(lambda a, p, t, n: make(a, p, t + timedelta(days=n % 9), f"solo{n}"))
    return Example(posts, {(("x", "p1"), ("x", "p2")), (("x", "p1"), ("x", "p3")), (("x", "p2"), ("x", "p3"))})


class SimHashtag(SimilarityTrace):
    """The same hashtags over the whole period (originals only: a repost's tags are not chosen)."""

    name: ClassVar[str] = "sim_hashtag"
    action: ClassVar[str] = "use the same hashtags"
    item_noun: ClassVar[str] = "hashtags"

    def __init__(self, *, period: str | float = "all", min_items: int = 5, top_k: int = 20,
                 max_accounts: int = 0) -> None:
        # Five, not three: fans of a team or city share its three or four tags for weeks.
        super().__init__(period=period, min_items=min_items, top_k=top_k, max_accounts=max_accounts)

    def items_sql(self, engine: Engine, posts: str) -> str:
        return _exploded(engine, posts, "hashtags", "lower(v)", "'#' || lower(v)", _ORIGINALS)

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, hashtags=[item]))


class SimDomain(SimilarityTrace):
    """The same linked domains over the whole period (big news sites fall under the item cap)."""

    name: ClassVar[str] = "sim_domain"
    action: ClassVar[str] = "link to the same domains"
    item_noun: ClassVar[str] = "domains"

    def items_sql(self, engine: Engine, posts: str) -> str:
        return _exploded(engine, posts, "domains", "lower(v)", "lower(v)")

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, urls=[f"https://{item}.example/{p}"],
                                                   domains=[f"{item}.example"]))


class SimLink(SimilarityTrace):
    """The same (normalized) links over the whole period."""

    name: ClassVar[str] = "sim_link"
    action: ClassVar[str] = "share the same links"
    item_noun: ClassVar[str] = "links"

    def items_sql(self, engine: Engine, posts: str) -> str:
        return _exploded(engine, posts, "urls", "v", "v")

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, urls=[f"https://site.example/{item}"],
                                                   domains=["site.example"]))


class SimRepost(SimilarityTrace):
    """Reposting the same accounts over the whole period."""

    name: ClassVar[str] = "sim_repost"
    action: ClassVar[str] = "repost the same accounts"
    item_noun: ClassVar[str] = "accounts reposted"
    items_per_platform: ClassVar[bool] = True

    def items_sql(self, engine: Engine, posts: str) -> str:
        return ("SELECT platform, account_id, post_id, time, platform || '/@' || lower(repost_of_account) AS item, "
                f"'@' || repost_of_account AS label FROM {posts} "
                "WHERE repost_of_account IS NOT NULL AND repost_of_account <> ''")

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, repost_of_post=f"{item}-{p}",
                                                   repost_of_account=item))


class SimMention(SimilarityTrace):
    """Mentioning the same accounts over the whole period (mentions inside reposts ignored)."""

    name: ClassVar[str] = "sim_mention"
    action: ClassVar[str] = "mention the same accounts"
    item_noun: ClassVar[str] = "accounts mentioned"
    items_per_platform: ClassVar[bool] = True

    def items_sql(self, engine: Engine, posts: str) -> str:
        return _exploded(engine, posts, "mentions", "platform || '/@' || lower(v)", "'@' || v", _ORIGINALS)

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, mentions=[item]))


class SimReply(SimilarityTrace):
    """Replying to the same accounts over the whole period."""

    name: ClassVar[str] = "sim_reply"
    action: ClassVar[str] = "reply to the same accounts"
    item_noun: ClassVar[str] = "accounts replied to"
    items_per_platform: ClassVar[bool] = True

    def items_sql(self, engine: Engine, posts: str) -> str:
        return ("SELECT platform, account_id, post_id, time, platform || '/@' || lower(reply_to_account) AS item, "
                f"'@' || reply_to_account AS label FROM {posts} "
                "WHERE reply_to_account IS NOT NULL AND reply_to_account <> ''")

    @staticmethod
    def example() -> Example:
        return _planted(lambda a, p, t, item: Post("x", p, a, t, reply_to_post=f"{item}-{p}",
                                                   reply_to_account=item))
