"""ActivityPub outboxes (``outbox.json`` of a Mastodon account archive, or any server's
``OrderedCollection`` of activities), read by the ``mastodon`` adapter.

Why here and not in the status reader: an outbox speaks ActivityStreams, not the Mastodon REST
API. ``Create`` activities carry a ``Note`` (its ``id`` is the same URI the API calls ``uri``, so
the two sources deduplicate against each other); ``Announce`` activities are boosts (reposts).
Replies point at URIs directly (``inReplyTo``), so they need no resolution. Other activities
(``Like``, ``Follow``, ``Delete``...) are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from lockstep.ingest.jsonrec import NotRecognized, RecordError, clean, from_iso, get_list, get_str
from lockstep.model import Post

NS = "https://www.w3.org/ns/activitystreams"


def actor_acct(actor_url: str | None) -> str | None:
    """``user@host`` for an actor URL (``https://host/users/user`` or ``https://host/@user``)."""
    if not actor_url:
        return None
    try:
        parts = urlsplit(actor_url)
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not parts.hostname or not segments:
        return None
    if len(segments) >= 2 and segments[0] in ("users", "u", "profile", "accounts"):
        name = segments[1]
    else:
        name = segments[-1]
    return f"{name.lstrip('@')}@{parts.hostname}".lower()


def _ref(value: Any) -> str | None:
    """An ActivityStreams reference: a URI string, or an object with an ``id``."""
    if isinstance(value, str):
        return clean(value) or None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return clean(value["id"])
    return None


def activity_posts(
    activity: dict[str, Any], line: int, source: str, skipped: Counter[str],
    html_to_text: Callable[[str], tuple[str, list[str]]],
) -> list[Post]:
    """The post an outbox activity makes, or ``[]`` for a counted skip."""
    kind = activity.get("type")
    if not isinstance(kind, str):
        raise NotRecognized("not an ActivityStreams activity: no 'type'")
    if kind not in ("Create", "Announce"):
        skipped[f"ActivityPub {kind} activities"] += 1
        return []
    actor = _ref(activity.get("actor"))
    account = actor_acct(actor)
    if not account:
        raise RecordError("field 'actor' is missing or not an actor URL")
    if kind == "Announce":
        target = _ref(activity.get("object"))
        post_id = get_str(activity, "id", required=True)
        if not target or not post_id:
            raise RecordError("Announce has no 'object' to repost")
        time, known = from_iso(activity.get("published"), field="published")
        return [Post(platform="mastodon", post_id=post_id, account_id=account, handle=account, time=time,
                     time_zone_known=known, urls=[], hashtags=[], mentions=[], repost_of_post=target,
                     repost_of_account=actor_acct(target.split("/statuses/")[0]) if "/statuses/" in target
                     else None, source_file=source, source_line=line)]
    note = activity.get("object")
    if not isinstance(note, dict):
        raise RecordError("Create has no embedded 'object' (the note itself)")
    post_id = get_str(note, "id", required=True, where="object.")
    assert post_id is not None
    time, known = from_iso(note.get("published") or activity.get("published"), field="object.published")
    text, links = html_to_text(get_str(note, "content", where="object.") or "")
    summary = get_str(note, "summary", where="object.")
    if summary:
        text = f"{summary}\n\n{text}" if text else summary
    tags, mentions = [], []
    for tag in get_list(note, "tag", where="object."):
        if not isinstance(tag, dict):
            continue
        name = get_str(tag, "name", where="object.tag[].") or ""
        if tag.get("type") == "Hashtag" and name:
            tags.append(name.lstrip("#"))
        elif tag.get("type") == "Mention":
            acct = name.lstrip("@")
            if "@" not in acct:
                acct = actor_acct(get_str(tag, "href", where="object.tag[].")) or acct
            if acct:
                mentions.append(acct.lower())
    media = []
    for att in get_list(note, "attachment", where="object."):
        if isinstance(att, dict):
            blurhash = get_str(att, "blurhash", where="object.attachment[].")
            url = get_str(att, "url", where="object.attachment[].")
            if blurhash or url:
                media.append(f"blurhash:{blurhash}" if blurhash else str(url))
    reply = _ref(note.get("inReplyTo"))
    quote = _ref(note.get("quoteUrl")) or _ref(note.get("quoteUri")) or _ref(note.get("_misskey_quote"))
    return [Post(platform="mastodon", post_id=post_id, account_id=account, handle=account, time=time,
                 time_zone_known=known, text=clean(text), urls=[clean(u) for u in links], hashtags=tags,
                 mentions=mentions, reply_to_post=reply,
                 reply_to_account=actor_acct(reply.split("/statuses/")[0]) if reply and "/statuses/" in reply
                 else None, quote_of_post=quote, media_hashes=media,
                 source_file=source, source_line=line)]
