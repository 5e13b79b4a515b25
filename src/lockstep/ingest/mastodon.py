"""Mastodon API statuses (``GET /api/v1/...`` Status entities) as a JSON array or JSONL.

Why these choices:

* **Ids that survive federation.** A status seen from two instances has two local ``id`` values
  but one ``uri`` (its ActivityPub id), so ``post_id`` is the ``uri`` and the pipeline's
  (platform, post_id) key deduplicates it. Accounts are keyed ``user@host``: ``acct`` is
  relative to the serving instance (``alice`` there, ``alice@host`` elsewhere), so a bare
  ``acct`` gets the host of the account's profile ``url``.
* **Text, not markup.** ``content`` is HTML; it is reduced to text with the standard library's
  HTML parser, keeping the ``href`` of every link that is not a mention or hashtag as a URL.
* **Reblogs are reposts**: ``repost_of_post`` is the reblogged status's ``uri`` and
  ``repost_of_account`` its author.
* **Outboxes too.** An ActivityPub outbox (``outbox.json`` of an account archive) is read by
  :mod:`lockstep.ingest.activitypub`; its note ids are the same URIs, so both deduplicate.
* **Replies.** ``in_reply_to_id`` is a local id of the serving instance; it is resolved to a
  ``uri`` when that status appeared earlier in the file, else kept as ``mastodon-id:<id>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lockstep.ingest.activitypub import activity_posts
from lockstep.ingest.base import Item, ReadOptions, read_head
from lockstep.ingest.jsonrec import (
    NotRecognized,
    RecordError,
    clean,
    from_iso,
    get_dict,
    get_int,
    get_list,
    get_str,
    guarded,
    records,
)
from lockstep.model import Account, Post


class _TextAndLinks(HTMLParser):
    """Visible text of a status's HTML plus the hrefs of its ordinary links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "a":
            a = dict(attrs)
            classes = (a.get("class") or "").split()
            rel = (a.get("rel") or "").split()
            href = a.get("href")
            if href and not ({"mention", "hashtag"} & set(classes)) and "tag" not in rel:
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@lru_cache(maxsize=1 << 16)
def _note_text(html: str) -> str | None:
    """A profile note as text; cached because every status repeats its author's note."""
    return html_to_text(html)[0] or None


def html_to_text(html: str) -> tuple[str, list[str]]:
    """``(text, link hrefs)`` of an HTML fragment."""
    parser = _TextAndLinks()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def canonical_acct(account: dict[str, Any], where: str) -> str:
    """``user@host`` for an account entity (``acct`` is relative to the serving instance)."""
    acct = get_str(account, "acct", where=where) or get_str(account, "username", where=where)
    if not acct:
        raise RecordError(f"field '{where}acct' is missing or empty")
    acct = acct.lstrip("@")
    if "@" in acct:
        return acct.lower()
    host = _host(get_str(account, "url", where=where))
    return f"{acct}@{host}".lower() if host else acct.lower()


class MastodonStatuses:
    """Mastodon statuses from the REST API, as a JSON array or one status per line."""

    name: ClassVar[str] = "mastodon"
    description: ClassVar[str] = "Mastodon API statuses (JSON array or JSONL) or an ActivityPub outbox"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self._uri_of: dict[str, str] = {}
        self.skipped: Counter[str] = Counter()
        self._last_seen: dict[str, Account] = {}

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        text = head.lstrip()[:8192]
        if not text.startswith((b"{", b"[")):
            return 0.0
        if b'"orderedItems"' in text and b"activitystreams" in text:
            return 0.85
        keys = (b'"uri"', b'"content"', b'"account"', b'"created_at"')
        if all(k in text for k in keys) and (b'"acct"' in text or b'"reblog"' in text):
            return 0.9
        return 0.0

    def read(self) -> Iterator[Item]:
        head = read_head(self.path).lstrip()
        if head.startswith(b"{") and b'"orderedItems"' in head:
            return guarded(records(self.path, self.name, self._activity, prefix="orderedItems.item"),
                           path=self.path, expected="an ActivityPub outbox (activities in 'orderedItems')")
        return guarded(records(self.path, self.name, self._parse), path=self.path,
                       expected="Mastodon statuses (JSON objects with 'uri', 'content', 'account')")

    def _activity(self, activity: dict[str, Any], line: int) -> list[Item]:
        return list(activity_posts(activity, line, str(self.path), self.skipped, html_to_text))

    def _account(self, account: dict[str, Any], where: str) -> Account:
        created = account.get("created_at")
        return Account(
            platform="mastodon", account_id=canonical_acct(account, where),
            handle=canonical_acct(account, where),
            display_name=get_str(account, "display_name", where=where),
            bio=_note_text(get_str(account, "note", where=where) or ""),
            created_at=from_iso(created, field=f"{where}created_at")[0] if created else None,
            followers=get_int(account, "followers_count", where=where),
            following=get_int(account, "following_count", where=where),
            post_count=get_int(account, "statuses_count", where=where),
            # Mastodon has no verification; ``bot`` is the account's own flag, not a verdict.
            category="bot" if account.get("bot") is True else None,
            avatar_hash=get_str(account, "avatar", where=where),
            source=str(self.path),
        )

    def _parse(self, obj: dict[str, Any], line: int) -> list[Item]:
        if not ("uri" in obj and "account" in obj and ("content" in obj or "reblog" in obj)):
            raise NotRecognized("not a Mastodon status: needs 'uri', 'account' and 'content'")
        uri = get_str(obj, "uri", required=True)
        assert uri is not None
        account = get_dict(obj, "account")
        if not account:
            raise RecordError("field 'account' is missing or empty")
        author = self._account(account, "account.")
        time, zone_known = from_iso(obj.get("created_at"), field="created_at")
        local_id = get_str(obj, "id")
        if local_id:
            self._uri_of[local_id] = uri
        reblog = get_dict(obj, "reblog")
        if reblog:
            original = self._account(get_dict(reblog, "account"), "reblog.account.")
            return self._with_new_descriptions([author, original], Post(platform="mastodon", post_id=uri, account_id=author.account_id,
                              handle=author.handle, time=time, time_zone_known=zone_known,
                              urls=[], hashtags=[], mentions=[],
                              repost_of_post=get_str(reblog, "uri", required=True, where="reblog."),
                              repost_of_account=original.account_id,
                              client=self._client(obj), source_file=str(self.path), source_line=line))
        html = get_str(obj, "content") or ""
        text, links = html_to_text(html)
        spoiler = get_str(obj, "spoiler_text")
        if spoiler:
            text = f"{spoiler}\n\n{text}" if text else spoiler
        card_url = get_str(get_dict(obj, "card"), "url", where="card.")
        if card_url and card_url not in links:
            links.append(card_url)
        mentions = []
        reply_account = get_str(obj, "in_reply_to_account_id")
        reply_acct = None
        for m in get_list(obj, "mentions"):
            if isinstance(m, dict):
                acct = canonical_acct(m, "mentions[].")
                mentions.append(acct)
                if reply_account and get_str(m, "id", where="mentions[].") == reply_account:
                    reply_acct = acct
        if reply_account and reply_account == get_str(account, "id", where="account."):
            reply_acct = author.account_id
        tags = [clean(str(t["name"])) for t in get_list(obj, "tags") if isinstance(t, dict) and t.get("name")]
        media = []
        for m in get_list(obj, "media_attachments"):
            if not isinstance(m, dict):
                continue
            blurhash = get_str(m, "blurhash", where="media_attachments[].")
            url = get_str(m, "remote_url", where="media_attachments[].") or get_str(
                m, "url", where="media_attachments[].")
            if blurhash:
                media.append(f"blurhash:{blurhash}")
            elif url:
                media.append(url)
        reply_id = get_str(obj, "in_reply_to_id")
        reply_to = (self._uri_of.get(reply_id) or f"mastodon-id:{reply_id}") if reply_id else None
        if reply_account and not reply_acct:
            reply_acct = f"mastodon-id:{reply_account}"
        quote = get_dict(obj, "quote")
        quoted = get_dict(quote, "quoted_status") or quote
        return self._with_new_descriptions([author], Post(
            platform="mastodon", post_id=uri, account_id=author.account_id, handle=author.handle,
            time=time, time_zone_known=zone_known, text=clean(text),
            language=get_str(obj, "language"), urls=[clean(u) for u in links], hashtags=tags,
            mentions=mentions, reply_to_post=reply_to, reply_to_account=reply_acct,
            quote_of_post=get_str(quoted, "uri", where="quote.") if quoted else None,
            media_hashes=media, client=self._client(obj),
            source_file=str(self.path), source_line=line,
        ))

    def _with_new_descriptions(self, accounts: list[Account], post: Post) -> list[Item]:
        """The post, preceded by those account descriptions the file has not already given
        exactly so (every status repeats its author; one description per change is enough)."""
        items: list[Item] = []
        for account in accounts:
            if self._last_seen.get(account.account_id) != account:
                self._last_seen[account.account_id] = account
                items.append(account)
        items.append(post)
        return items

    @staticmethod
    def _client(obj: dict[str, Any]) -> str | None:
        return get_str(get_dict(obj, "application"), "name", where="application.")
