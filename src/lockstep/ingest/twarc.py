"""Tweets collected with twarc2 (X/Twitter API v2): JSONL, raw or flattened, and twarc-csv.

* **Raw JSONL** (``twarc2 search``): one API response page per line,
  ``{"data": [tweets], "includes": {"users", "tweets", "media"}, "meta": ...}``. Authors come
  from ``includes.users``; reposted/quoted tweets' authors from ``includes.tweets``.
* **Flattened JSONL** (``twarc2 flatten``): one tweet per line with ``author`` embedded (and
  ``__twarc``); referenced tweets may carry their own ``author_id``.
* **twarc-csv**: ``id, conversation_id, referenced_tweets.replied_to.id,
  referenced_tweets.retweeted.id, referenced_tweets.quoted.id, author_id, in_reply_to_user_id,
  retweeted_user_id, quoted_user_id, created_at, text, lang, source, entities.*`` (JSON lists)
  and ``author.*`` profile columns.

Mapping: ``id`` -> post_id, ``author_id`` -> account_id, ``created_at`` (ISO with ``Z``) -> time,
``referenced_tweets`` ``replied_to``/``retweeted``/``quoted`` -> reply_to_post/repost_of_post/
quote_of_post, ``in_reply_to_user_id`` -> reply_to_account, ``entities.urls[].expanded_url``
-> urls, ``entities.hashtags[].tag`` -> hashtags, ``entities.mentions[].username`` -> mentions,
``attachments.media_keys`` -> media_hashes as ``twitter-media:<key>`` (the API gives no image
hash; a media key is shared by every repost of one upload), ``source`` -> client, ``lang``.
Every author found (``includes.users``, ``author``, ``author.*``) becomes an Account.

Quarantined: a line that is not JSON (e.g. truncated), a tweet without ``id`` or ``author_id``,
a ``created_at`` that is not a date, a CSV row with the wrong number of cells.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import Item, ReadOptions, open_text
from lockstep.ingest.tabular import (
    BadValue,
    clean_id,
    convert_rows,
    header_of,
    key_id,
    parse_time,
    text_or_none,
)
from lockstep.model import Account, Post, Quarantined

PLATFORM = "twitter"
_REF_FIELDS = {"replied_to": "reply_to_post", "retweeted": "repost_of_post", "quoted": "quote_of_post"}


def _metric(obj: dict[str, Any], key: str) -> int | None:
    v = (obj.get("public_metrics") or {}).get(key)
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def user_account(user: dict[str, Any], platform: str, source: str) -> Account | None:
    uid = clean_id(str(user.get("id") or ""))
    if not uid:
        return None
    created = user.get("created_at")
    return Account(
        platform=platform, account_id=uid, handle=user.get("username"), display_name=user.get("name"),
        bio=user.get("description") or None,
        created_at=parse_time(created, "author.created_at", epoch_ok=False)[0] if created else None,
        followers=_metric(user, "followers_count"), following=_metric(user, "following_count"),
        post_count=_metric(user, "tweet_count"),
        verified=user.get("verified") if isinstance(user.get("verified"), bool) else None,
        location=user.get("location") or None, source=source,
    )


def tweet_post(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], tweets: dict[str, dict[str, Any]],
    platform: str, path: Path, line: int,
) -> Post:
    """One API v2 tweet object as a Post; raises :class:`BadValue` with the reason."""
    post_id = clean_id(str(tweet.get("id") or ""))
    if not post_id:
        raise BadValue("field id: missing, every tweet needs an id")
    embedded = _obj(tweet, "author")
    author = clean_id(str(tweet.get("author_id") or embedded.get("id") or ""))
    if not author:
        raise BadValue("field author_id: missing, every tweet needs an account id")
    created = tweet.get("created_at")
    time, zone_known = parse_time(created if isinstance(created, str) else None, "created_at", epoch_ok=False)
    refs: dict[str, str | None] = {}
    ref_authors: dict[str, str | None] = {}
    refs_in = tweet.get("referenced_tweets") or []
    if not isinstance(refs_in, list):
        raise BadValue(f"field referenced_tweets: should be a list, got {type(refs_in).__name__}")
    for ref in refs_in:
        if not isinstance(ref, dict):
            continue
        kind, rid = ref.get("type"), clean_id(str(ref.get("id") or ""))
        if kind in _REF_FIELDS and rid:
            refs[_REF_FIELDS[kind]] = rid
            ref_authors[kind] = ref.get("author_id") or (tweets.get(rid) or {}).get("author_id")
    ent = _obj(tweet, "entities")
    user = users.get(author) or embedded
    media_keys = _obj(tweet, "attachments").get("media_keys") or []
    if not isinstance(media_keys, list):
        raise BadValue(f"field attachments.media_keys: should be a list, got {type(media_keys).__name__}")
    return Post(
        platform=platform, post_id=post_id, account_id=author, time=time, time_zone_known=zone_known,
        handle=user.get("username"), text=tweet.get("text"), language=tweet.get("lang"),
        urls=_pick(ent, "urls", "expanded_url", "url"),
        hashtags=_pick(ent, "hashtags", "tag"),
        mentions=_pick(ent, "mentions", "username"),
        reply_to_account=clean_id(str(tweet.get("in_reply_to_user_id") or "")),
        repost_of_account=ref_authors.get("retweeted"),
        media_hashes=[f"twitter-media:{k}" for k in media_keys],
        client=tweet.get("source"), source_file=str(path), source_line=line,
        reply_to_post=refs.get("reply_to_post"), repost_of_post=refs.get("repost_of_post"),
        quote_of_post=refs.get("quote_of_post"),
    )


def _obj(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """An object field (``{}`` when absent); any other type is refused with the field's name."""
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise BadValue(f"field {key}: should be an object, got {type(value).__name__}")
    return value


def _pick(entities: dict[str, Any], kind: str, *keys: str) -> list[str] | None:
    """Values of one entity kind; ``None`` (extract from text) when the source left the kind out."""
    items = entities.get(kind)
    if not items:
        return None
    if not isinstance(items, list):
        raise BadValue(f"field entities.{kind}: should be a list, got {type(items).__name__}")
    out = []
    for item in items:
        if isinstance(item, dict):
            value = next((item[k] for k in keys if item.get(k)), None)
            if value:
                out.append(str(value))
    return out


class Twarc2Jsonl:
    """twarc2 JSONL: raw API response pages or flattened tweets."""

    name: ClassVar[str] = "twarc2_jsonl"
    description: ClassVar[str] = "twarc2 JSONL (raw API v2 pages with includes, or flattened tweets)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.platform = options.platform or PLATFORM
        self._seen: set[str] = set()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        text = head.lstrip()
        if not text.startswith(b"{"):
            return 0.0
        if b'"data"' in text[:200] and (b'"includes"' in text or b'"meta"' in text) and b'"author_id"' in text:
            return 0.95
        if b'"author_id"' in text and b'"created_at"' in text and (b'"__twarc"' in text or b'"author"' in text):
            return 0.9
        return 0.0

    def read(self) -> Iterator[Item]:
        started = False
        limit = guard.limits().max_record_bytes
        with open_text(self.path) as fh:
            for line_no, line in guard.read_lines(fh, limit):
                if isinstance(line, guard.TooLong):
                    yield Quarantined(str(self.path), line_no, guard.cap(line.head), line.reason(limit),
                                      adapter=self.name)
                    continue
                if not line.strip():
                    continue
                try:
                    obj = guard.loads(line)
                except ValueError as exc:
                    if not started:
                        raise SourceError(
                            f"'{self.path}' is not twarc2 JSONL: line {line_no} is {exc}. "
                            "Name the right --format."
                        ) from None
                    yield Quarantined(str(self.path), line_no, guard.cap(line.rstrip("\r\n")),
                                      f"line {line_no}: {exc}", adapter=self.name)
                    continue
                if not started and not (isinstance(obj, dict) and ("data" in obj or "id" in obj)):
                    raise SourceError(
                        f"'{self.path}' is not twarc2 JSONL: line {line_no} has neither 'data' (an API page) "
                        "nor 'id' (a flattened tweet). Name the right --format."
                    )
                started = True
                yield from guard.convert(lambda o=obj, n=line_no, t=line: self._records(o, n, t),  # type: ignore[misc]
                                         path=self.path, line=line_no, raw=line.rstrip("\r\n"), adapter=self.name)

    def _records(self, obj: Any, line_no: int, line: str) -> Iterator[Item]:
        """One line: an API page (authors, then each tweet guarded on its own) or one flattened
        tweet. A page whose structure is wrong raises, and the guard quarantines the line."""
        if not isinstance(obj, dict):
            raise BadValue("line is JSON but not an object")
        if "data" in obj:
            inc = obj.get("includes") or {}
            if not isinstance(inc, dict):
                raise BadValue(f"field 'includes' should be an object, got {type(inc).__name__}")
            users = {str(u.get("id")): u for u in _objects(inc, "users")}
            tweets = {str(t.get("id")): t for t in _objects(inc, "tweets")}
            data = obj["data"] if isinstance(obj["data"], list) else [obj["data"]]
        else:
            author = obj.get("author")
            users = {str(author.get("id")): author} if isinstance(author, dict) else {}
            tweets, data = {}, [obj]
        for uid, user in users.items():
            if uid not in self._seen:
                accounts = guard.convert(lambda u=user: [user_account(u, self.platform, self.name)],  # type: ignore[misc]
                                         path=self.path, line=line_no, raw=lambda u=user: guard.raw_json(u),  # type: ignore[misc]
                                         adapter=self.name)
                for acc in accounts:
                    if isinstance(acc, Account):
                        self._seen.add(uid)
                    if acc is not None:
                        yield acc
        for tweet in data:
            yield from guard.convert(
                lambda t=tweet: [self._tweet(t, users, tweets, line_no)],  # type: ignore[misc]
                path=self.path, line=line_no, raw=lambda t=tweet: guard.raw_json(t),  # type: ignore[misc]
                adapter=self.name)

    def _tweet(self, tweet: Any, users: dict[str, dict[str, Any]], tweets: dict[str, dict[str, Any]],
               line_no: int) -> Post:
        if not isinstance(tweet, dict):
            raise BadValue("a tweet in 'data' is not an object")
        return tweet_post(tweet, users, tweets, self.platform, self.path, line_no)


def _objects(parent: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects of a list field; a field that is not a list is refused with its name."""
    value = parent.get(key) or []
    if not isinstance(value, list):
        raise BadValue(f"field 'includes.{key}' should be a list, got {type(value).__name__}")
    return [v for v in value if isinstance(v, dict)]


def _json_list(row: dict[str, str], key: str) -> list[dict[str, Any]]:
    v = (row.get(key) or "").strip()
    if not v:
        return []
    try:
        out = json.loads(v)
    except ValueError:
        raise BadValue(f"column {key}: {v[:60]!r} is not a JSON list") from None
    return [x for x in out if isinstance(x, dict)] if isinstance(out, list) else []


class TwarcCsv:
    """twarc-csv output (one tweet per row, dotted column names)."""

    name: ClassVar[str] = "twarc_csv"
    description: ClassVar[str] = "twarc-csv CSV of X/Twitter API v2 tweets"
    _REQUIRED: ClassVar[set[str]] = {"id", "author_id", "created_at", "text"}

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.platform = options.platform or PLATFORM
        self._seen: set[str] = set()
        #: Remarks for the ingest summary (e.g. a column of ids rounded by a spreadsheet).
        self.notes: list[str] = []

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = set(header_of(head))
        if cols >= cls._REQUIRED and any(c.startswith(("author.", "referenced_tweets.", "public_metrics.")) for c in cols):
            return 0.9
        return 0.0

    def read(self) -> Iterator[Item]:
        yield from convert_rows(self.path, "a twarc-csv file (columns id, author_id, created_at, text, ...)",
                                self._REQUIRED, self.name, self._convert, notes=self.notes)

    def _convert(self, row: dict[str, str], line: int) -> Iterator[Item]:
        refs = [{"type": k, "id": row.get(f"referenced_tweets.{k}.id"),
                 "author_id": clean_id(row.get(f"{k}_user_id"))}
                for k in _REF_FIELDS if clean_id(row.get(f"referenced_tweets.{k}.id"))]
        media = _json_list(row, "attachments.media")
        keys = [m["media_key"] for m in media if m.get("media_key")]
        if not keys and text_or_none(row.get("attachments.media_keys")):
            keys = [k.strip(" \"'") for k in row["attachments.media_keys"].strip("[]").split(",") if k.strip(" \"'")]
        author_col = "author_id" if text_or_none(row.get("author_id")) else "author.id"
        tweet = {
            "id": key_id(row.get("id"), "id"), "author_id": key_id(row.get(author_col), author_col),
            "created_at": row.get("created_at"), "text": row.get("text"), "lang": text_or_none(row.get("lang")),
            "source": text_or_none(row.get("source")), "referenced_tweets": refs,
            "in_reply_to_user_id": row.get("in_reply_to_user_id"),
            "entities": {k: _json_list(row, f"entities.{k}") or None for k in ("urls", "hashtags", "mentions")},
            "attachments": {"media_keys": keys},
        }
        post = tweet_post(tweet, {}, {}, self.platform, self.path, line)
        if post.account_id not in self._seen:
            user = {
                "id": post.account_id, "username": text_or_none(row.get("author.username")),
                "name": text_or_none(row.get("author.name")),
                "description": text_or_none(row.get("author.description")),
                "created_at": text_or_none(row.get("author.created_at")),
                "location": text_or_none(row.get("author.location")),
                "verified": {"true": True, "false": False}.get((row.get("author.verified") or "").lower()),
                "public_metrics": {
                    k: int(float(v)) for k in ("followers_count", "following_count", "tweet_count")
                    if (v := (row.get(f"author.public_metrics.{k}") or "").strip()) and _is_number(v, k)
                },
            }
            acc = user_account(user, self.platform, self.name)
            if acc:
                self._seen.add(post.account_id)
                yield acc
        handle = text_or_none(row.get("author.username"))
        yield replace(post, handle=handle or post.handle)


def _is_number(v: str, key: str) -> bool:
    try:
        float(v)
    except ValueError:
        raise BadValue(f"column author.public_metrics.{key}: {v!r} is not a number") from None
    return True
