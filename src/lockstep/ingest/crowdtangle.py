"""CrowdTangle CSV exports (Facebook pages/groups and Instagram accounts).

Headers are matched by name, case-, space- and BOM-insensitively, because exports differ by
dashboard, product and year (``Page Name`` vs ``Account``, ``Likes at Posting`` vs
``Followers at Posting``) and some begin with a byte-order mark. Detected when the header has
``Post Created`` and ``URL`` plus one of the account columns.

Mapping: ``URL`` (the post's own link) -> post_id (its last path segments, e.g.
``123/posts/456`` or the Instagram shortcode, so the id survives re-exports), ``Facebook Id``
(or ``User Name``) -> account_id, ``User Name`` -> handle, ``Page Name``/``Account`` ->
display name, ``Post Created`` (``2021-08-01 10:00:00 CEST``: the zone abbreviation is applied,
stored as UTC) -> time, ``Message`` + ``Description`` + ``Image Text`` -> text (joined by blank
lines, in that order, so text detectors see what a reader saw), ``Link``/``Final Link`` plus links in the text -> urls,
``Page Created`` -> account created_at, ``Page Category`` -> category, ``Page Admin Top Country``
-> location, ``Page Description`` -> bio, ``Likes/Followers at Posting`` -> followers.
Platform: ``instagram`` where the post URL is on instagram.com (or the header has
``Followers at Posting`` and no ``Likes at Posting``), else ``facebook``; ``--platform`` wins.

Quarantined: a row without a post URL or account id, a ``Post Created`` that is not a date or
has an unknown zone, a non-number in a count column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from lockstep.ingest import guard
from lockstep.ingest.base import Item, ReadOptions
from lockstep.ingest.guard import cap
from lockstep.ingest.normalize import extract_urls, normalize_url
from lockstep.ingest.tabular import (
    BadValue,
    clean_id,
    csv_rows,
    header_of,
    parse_int,
    parse_time,
    text_or_none,
)
from lockstep.model import Account, Post, Quarantined

_ACCOUNT_COLS = {"page name", "account", "user name", "facebook id"}


def _first(row: dict[str, str], *keys: str) -> str | None:
    for k in keys:
        v = text_or_none(row.get(k))
        if v:
            return v
    return None


def _post_id(url: str) -> str:
    """The stable part of a post URL: path after the host, without query or trailing slash."""
    m = re.match(r"^(?:https?://)?[^/]+/(.+?)/?(?:[?#].*)?$", url.strip())
    return m.group(1) if m else url.strip()


class CrowdTangleCsv:
    """CrowdTangle post exports, Facebook or Instagram."""

    name: ClassVar[str] = "crowdtangle_csv"
    description: ClassVar[str] = "CrowdTangle CSV export (Facebook or Instagram posts)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self._seen: set[tuple[str, str]] = set()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        cols = set(header_of(head))
        return 0.95 if {"post created", "url"} <= cols and cols & _ACCOUNT_COLS else 0.0

    def read(self) -> Iterator[Item]:
        for line, row, raw in csv_rows(
            self.path, "a CrowdTangle CSV export (columns Post Created, URL, Page Name/Account, ...)",
            {"post created", "url"},
        ):
            if row.get(""):
                yield Quarantined(str(self.path), line, cap(raw), row[""], adapter=self.name)
                continue
            yield from guard.convert(lambda r=row, n=line: self._convert(r, n), path=self.path,  # type: ignore[misc]
                                     line=line, raw=raw, adapter=self.name)

    def _platform(self, row: dict[str, str], url: str) -> str:
        if self.options.platform:
            return self.options.platform
        if "instagram.com" in url.lower():
            return "instagram"
        if "followers at posting" in row and "likes at posting" not in row and "facebook.com" not in url.lower():
            return "instagram"
        return "facebook"

    def _convert(self, row: dict[str, str], line: int) -> Iterator[Item]:
        url = text_or_none(row.get("url"))
        if not url:
            raise BadValue("column URL: empty, the post's URL is its id")
        account_id = clean_id(_first(row, "facebook id", "user name", "page name", "account"))
        if not account_id:
            raise BadValue("columns Facebook Id/User Name: empty, every post needs an account")
        time, zone_known = parse_time(row.get("post created"), "Post Created", epoch_ok=False)
        followers = parse_int(_first(row, "likes at posting", "followers at posting"), "Likes/Followers at Posting")
        for col in ("total interactions", "likes", "comments", "shares"):
            parse_int(row.get(col), col)
        created = _first(row, "page created")
        platform = self._platform(row, url)
        handle = _first(row, "user name")
        if (platform, account_id) not in self._seen:
            self._seen.add((platform, account_id))
            yield Account(
                platform=platform, account_id=account_id, handle=handle,
                display_name=_first(row, "page name", "account"),
                bio=_first(row, "page description"),
                created_at=parse_time(created, "Page Created", epoch_ok=False)[0] if created else None,
                followers=followers, category=_first(row, "page category"),
                location=_first(row, "page admin top country"), source=self.name,
            )
        texts = [t for t in (_first(row, k) for k in ("message", "description", "image text")) if t]
        text = "\n\n".join(texts) or None
        # Link and Final Link often differ only by tracking parameters: keep one of each normalized URL.
        found = [*(_first(row, k) for k in ("link", "final link")), *extract_urls(text)]
        links = list({normalize_url(u): u for u in reversed(found) if u}.values())[::-1]
        yield Post(
            platform=platform, post_id=_post_id(url), account_id=account_id, handle=handle, time=time,
            time_zone_known=zone_known, text=text, urls=links,
            language=_first(row, "language"), source_file=str(self.path), source_line=line,
        )
