"""X/Twitter information-operations archive CSVs (the "hashed" releases of the Twitter
Transparency Center): ``*_tweets_csv_hashed.csv`` and ``*_users_csv_hashed.csv``.

Columns are read by name because their order changed between releases. Detected from the
header: ``tweetid`` + ``userid`` + ``tweet_time`` is a tweets file; ``userid`` +
``user_screen_name`` + ``account_creation_date`` without ``tweetid`` is a users file.

Mapping (tweets): ``tweetid`` -> post_id, ``userid`` -> account_id (hashed ids stay as they are),
``tweet_time`` (``2016-07-01 00:00``, no zone: read as UTC, ``time_zone_known = False``),
``tweet_text``, ``tweet_language``, ``tweet_client_name`` -> client, ``in_reply_to_*``,
``retweet_*`` (``is_retweet`` true with no ``retweet_userid`` falls back to ``RT @user:``),
``quoted_tweet_tweetid``; ``hashtags``/``user_mentions``/``urls`` cells are list-like strings
(``[a, b]``, ``['a','b']``). An empty cell does not mean "none": re-saved or partial exports
leave them empty while the text holds ``#tags``, links and ``@mentions``, so those are then
read from the text; tags in the text are also added to a non-empty ``hashtags`` cell. Each distinct author also yields an
Account from the profile columns (the users file carries the same fields plus ``user_profile_url``).

Quarantined: a row without ``tweetid``/``userid``, a ``tweet_time`` that is not a date, a
non-number in a count column, a row with the wrong number of cells.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from lockstep.ingest.base import Item, ReadOptions
from lockstep.ingest.normalize import extract_hashtags
from lockstep.ingest.tabular import (
    BadValue,
    clean_id,
    convert_rows,
    header_of,
    key_id,
    parse_bool,
    parse_int,
    parse_list,
    parse_time,
    text_or_none,
)
from lockstep.ingest.twitter_io_columnar import read_tweets
from lockstep.model import Account, Post

PLATFORM = "twitter"
#: Read tweets files with the columnar reader (``False``: row by row, the baseline ``bench/ingest.py``
#: compares against).
VECTORIZED = True
#: Count columns that are not stored but must be numbers (a non-number means shifted cells).
COUNT_COLUMNS = ("quote_count", "reply_count", "like_count", "retweet_count")
_TWEET_KEYS = {"tweetid", "userid", "tweet_time"}
_USER_KEYS = {"userid", "user_screen_name", "account_creation_date"}


def _account(row: dict[str, str], platform: str, source: str) -> Account:
    created = row.get("account_creation_date")
    created_at = parse_time(created, "account_creation_date", epoch_ok=False)[0] if text_or_none(created) else None
    return Account(
        platform=platform,
        account_id=clean_id(row.get("userid")) or "",
        handle=text_or_none(row.get("user_screen_name")),
        display_name=text_or_none(row.get("user_display_name")),
        bio=text_or_none(row.get("user_profile_description")),
        created_at=created_at,
        followers=parse_int(row.get("follower_count"), "follower_count"),
        following=parse_int(row.get("following_count"), "following_count"),
        language=text_or_none(row.get("account_language")),
        location=text_or_none(row.get("user_reported_location")),
        source=source,
    )


def _hashtags(cell: str | None, text: str | None) -> list[str] | None:
    """The column's tags together with those in the text; ``None`` (the pipeline extracts them
    from the text) when the cell is empty. An empty entity cell is common in re-saved or partial
    exports even where the text holds ``#tags``, links or ``@mentions``; ``urls`` and
    ``user_mentions`` are likewise read from the text when empty (not merged when given: the
    column holds expanded URLs and user ids, the text ``t.co`` links and handles)."""
    given = parse_list(cell)
    if not given:
        return None
    seen = {t.lstrip("#").lower() for t in given}
    return given + [t for t in extract_hashtags(text) if t.lower() not in seen]


class _IOBase:
    name: ClassVar[str]
    description: ClassVar[str]
    _required: ClassVar[set[str]]
    _expected: ClassVar[str]

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.platform = options.platform or PLATFORM
        #: Remarks for the ingest summary (e.g. a column of ids rounded by a spreadsheet).
        self.notes: list[str] = []

    def read(self) -> Iterator[Item]:
        yield from convert_rows(self.path, self._expected, self._required, self.name, self._convert,
                                notes=self.notes)

    def _convert(self, row: dict[str, str], line: int) -> Iterator[Item]:
        raise NotImplementedError


class TwitterIOTweets(_IOBase):
    """Tweets of an X/Twitter information-operations archive."""

    name: ClassVar[str] = "twitter_io_tweets"
    description: ClassVar[str] = "X/Twitter information-operations archive, tweets CSV (*_tweets_csv_hashed.csv)"
    _required = _TWEET_KEYS
    _expected = "an X/Twitter IO archive tweets CSV (columns tweetid, userid, tweet_time, ...)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        super().__init__(path=path, options=options)
        self._seen: dict[str, Account] = {}

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        return 0.95 if set(header_of(head)) >= _TWEET_KEYS else 0.0

    def read(self) -> Iterator[Item]:
        if not VECTORIZED:
            yield from super().read()
            return
        yield from read_tweets(self, parse_tweet, expected=self._expected, required=self._required)

    def _convert(self, row: dict[str, str], line: int) -> Iterator[Item]:
        account, post = parse_tweet(row, line, self.platform, self.name, str(self.path))
        if self._seen.get(account.account_id) != account:  # the latest profile wins; repeats are not re-sent
            self._seen[account.account_id] = account
            yield account
        yield post


def parse_tweet(row: dict[str, str], line: int, platform: str, adapter: str, source_file: str) -> tuple[Account, Post]:
    """One tweets-file row as its author's profile and the post; raises :class:`BadValue` (the
    quarantine reason) when the row cannot be read. The definition of the mapping: the columnar
    reader (``twitter_io_columnar``) computes the same in SQL for the rows it can read exactly
    and sends every other row here."""
    post_id = key_id(row.get("tweetid"), "tweetid")
    user = key_id(row.get("userid"), "userid")
    if not post_id:
        raise BadValue("column tweetid: empty, every tweet needs an id")
    if not user:
        raise BadValue("column userid: empty, every tweet needs an account id")
    time, zone_known = parse_time(row.get("tweet_time"), "tweet_time", epoch_ok=False)
    for col in COUNT_COLUMNS:
        parse_int(row.get(col), col)  # not stored, but a non-number means shifted cells
    is_rt = parse_bool(row.get("is_retweet"), "is_retweet")
    text = row.get("tweet_text")
    account = _account(row, platform, adapter)
    post = Post(
        platform=platform, post_id=post_id, account_id=user, time=time, time_zone_known=zone_known,
        handle=account.handle, text=text if text else None,
        language=text_or_none(row.get("tweet_language")),
        urls=parse_list(row.get("urls")) or None,
        hashtags=_hashtags(row.get("hashtags"), text),
        mentions=parse_list(row.get("user_mentions")) or None,
        reply_to_post=clean_id(row.get("in_reply_to_tweetid")),
        reply_to_account=clean_id(row.get("in_reply_to_userid")),
        repost_of_post=clean_id(row.get("retweet_tweetid")) if is_rt is not False else None,
        repost_of_account=clean_id(row.get("retweet_userid")) if is_rt is not False else None,
        quote_of_post=clean_id(row.get("quoted_tweet_tweetid")),
        client=text_or_none(row.get("tweet_client_name")),
        source_file=source_file, source_line=line,
    )
    return account, post


class TwitterIOUsers(_IOBase):
    """Accounts of an X/Twitter information-operations archive."""

    name: ClassVar[str] = "twitter_io_users"
    description: ClassVar[str] = "X/Twitter information-operations archive, users CSV (*_users_csv_hashed.csv)"
    _required = _USER_KEYS
    _expected = "an X/Twitter IO archive users CSV (columns userid, user_screen_name, account_creation_date, ...)"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = set(header_of(head))
        return 0.9 if cols >= _USER_KEYS and "tweetid" not in cols else 0.0

    def _convert(self, row: dict[str, str], line: int) -> Iterator[Item]:
        if not key_id(row.get("userid"), "userid"):
            raise BadValue("column userid: empty, every account needs an id")
        yield _account(row, self.platform, self.name)
