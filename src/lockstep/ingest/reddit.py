"""Reddit submissions and comments from Pushshift / Arctic Shift NDJSON dumps, plain or ``.zst``.

Why these choices:

* **Ids are fullnames** (``t3_`` + id for submissions, ``t1_`` + id for comments), the form
  ``parent_id`` and ``link_id`` already use, so ``reply_to_post`` joins without rewriting.
* **Deleted authors are quarantined**, not stored: a post by ``[deleted]`` has no account, and
  storing them under one shared account would invent a giant "network" of unrelated people.
  The quarantine keeps the raw record and says why, so they can be counted and inspected.
* **The subreddit is not stored**: the normalized model has no community field, and putting it
  into hashtags or mentions would create false co-hashtag evidence. Ingest each subreddit as its
  own ``--dataset`` where the community matters.
* **Account ids are lower-cased user names** (Reddit names are unique regardless of case, and
  ``u/Name`` mentions are written in any case); the handle keeps the case the dump shows.
* ``created_utc`` comes as an int, a float or a numeric string across dump generations; all are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from lockstep.ingest.base import Item, ReadOptions
from lockstep.ingest.jsonrec import (
    NotRecognized,
    RecordError,
    clean,
    from_epoch,
    get_list,
    get_str,
    guarded,
    records,
)
from lockstep.ingest.normalize import extract_urls
from lockstep.model import Account, Post

#: ``u/name`` or ``/u/name`` in text (Reddit user names: 3-20 letters, digits, ``_`` or ``-``).
USER_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_GONE = {"[deleted]", "[removed]"}


class RedditDump:
    """Reddit submissions and comments, one JSON object per line (Pushshift, Arctic Shift)."""

    name: ClassVar[str] = "reddit"
    description: ClassVar[str] = "Reddit submissions/comments NDJSON (Pushshift, Arctic Shift), plain or .zst"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        text = head.lstrip()[:8192]
        if not text.startswith(b"{"):
            return 0.0
        if b'"subreddit"' in text and b'"created_utc"' in text and (
            b'"selftext"' in text or b'"body"' in text or b'"link_id"' in text or b'"title"' in text
        ):
            return 0.9
        return 0.0

    def read(self) -> Iterator[Item]:
        return guarded(records(self.path, self.name, self._parse), path=self.path,
                       expected="Reddit NDJSON (submissions or comments with 'id', 'author', 'created_utc')")

    def _parse(self, obj: dict[str, Any], line: int) -> list[Item]:
        is_comment = "body" in obj or "parent_id" in obj
        if not is_comment and "title" not in obj and "selftext" not in obj:
            raise NotRecognized("not a Reddit submission or comment: no 'title', 'selftext' or 'body'")
        if "created_utc" not in obj or "author" not in obj:
            raise NotRecognized("not a Reddit record: needs 'created_utc' and 'author'")
        rid = get_str(obj, "id")
        name = get_str(obj, "name")
        if not rid and not name:
            raise RecordError("record has no 'id' (or 'name')")
        prefix = "t1_" if is_comment else "t3_"
        post_id = name if name and name.startswith(("t1_", "t3_")) else f"{prefix}{rid}"
        author = get_str(obj, "author")
        if not author or author in _GONE:
            raise RecordError(f"author is {author or 'missing'!r}: the account is gone, so the post "
                              "cannot be attributed to one")
        time = from_epoch(obj["created_utc"], field="created_utc")
        if is_comment:
            body = get_str(obj, "body") or ""
            text = body
            urls = extract_urls(body)
            reply_to = get_str(obj, "parent_id") or get_str(obj, "link_id")
            repost = None
            repost_account = None
        else:
            title = get_str(obj, "title") or ""
            selftext = get_str(obj, "selftext") or ""
            text = f"{title}\n\n{selftext}" if selftext and selftext not in _GONE else title
            urls = extract_urls(text)
            link = get_str(obj, "url")
            if link and link.startswith("/"):
                link = "https://www.reddit.com" + link  # crossposts and galleries link inside Reddit
            if link and obj.get("is_self") is not True and "/comments/" + (rid or "") + "/" not in link:
                urls.insert(0, link)
            reply_to = None
            repost = get_str(obj, "crosspost_parent")
            parents = get_list(obj, "crosspost_parent_list")
            first = parents[0] if parents and isinstance(parents[0], dict) else {}
            repost_account = get_str(first, "author", where="crosspost_parent_list[0].")
            repost_account = None if repost_account in _GONE else (repost_account or "").lower() or None
        items: list[Item] = []
        if obj.get("author_created_utc"):
            # Authors become accounts from their posts anyway; a description is added only
            # where the dump says more than the name.
            items.append(Account(platform="reddit", account_id=author.lower(), handle=author, source=str(self.path),
                                 created_at=from_epoch(obj["author_created_utc"], field="author_created_utc")))
        post = Post(
            platform="reddit", post_id=post_id, account_id=author.lower(), handle=author, time=time,
            text=clean(text), urls=[clean(u) for u in urls], hashtags=[],
            mentions=[m.lower() for m in USER_RE.findall(text)],
            reply_to_post=reply_to, repost_of_post=repost, repost_of_account=repost_account,
            source_file=str(self.path), source_line=line,
        )
        return [*items, post]
