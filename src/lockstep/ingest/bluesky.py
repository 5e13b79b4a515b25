"""Bluesky ``app.bsky.feed.post`` records as JSONL: bare records, ``{uri, record|value}`` views
(``listRecords``, ``getPosts``, AppView post views) and Jetstream events.

Why this shape: Bluesky data reaches researchers in three wrappings of the same lexicon record,
and Jetstream changed its envelope once (``type: com``, ``commit.type: c`` in early builds;
``kind: commit``, ``commit.operation: create`` now). The post id is always the AT URI
``at://DID/app.bsky.feed.post/RKEY``; the account id is the author's DID (handles change, DIDs do
not). Reposts (``app.bsky.feed.repost``) become posts with ``repost_of_post``. Deletes, likes,
follows and other collections are counted as skipped with their reason, never dropped silently;
Jetstream ``identity`` events and ``app.bsky.actor.profile`` records describe accounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from lockstep.ingest.base import Item, ReadOptions
from lockstep.ingest.jsonrec import (
    NotRecognized,
    RecordError,
    clean,
    from_epoch,
    from_iso,
    get_dict,
    get_list,
    get_str,
    guarded,
    records,
)
from lockstep.ingest.normalize import extract_urls
from lockstep.model import Account, Post

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"
_CREATE = {"create", "c", "update", "u"}
_DELETE = {"delete", "d"}


def did_of(uri: str | None) -> str | None:
    """The repository DID of an AT URI (``at://did:plc:x/coll/rkey`` -> ``did:plc:x``)."""
    if not uri or not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def _blob_cid(blob: Any) -> str | None:
    """A blob's content id: ``ref.$link`` (current) or ``cid`` (legacy blobs)."""
    if not isinstance(blob, dict):
        return None
    ref = blob.get("ref")
    if isinstance(ref, dict) and isinstance(ref.get("$link"), str):
        return str(ref["$link"])
    if isinstance(ref, str):
        return ref
    cid = blob.get("cid")
    return cid if isinstance(cid, str) else None


class BlueskyPosts:
    """Bluesky posts and reposts from JSONL (bare records, record views, Jetstream events)."""

    name: ClassVar[str] = "bluesky"
    description: ClassVar[str] = "Bluesky app.bsky.feed.post records as JSONL (bare, views, or Jetstream)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self.skipped: Counter[str] = Counter()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        text = head.lstrip()[:4096]
        if not text.startswith(b"{"):
            return 0.0
        if b'"app.bsky.' in text and (b'"createdAt"' in text or b'"time_us"' in text):
            return 0.9
        if b'"time_us"' in text and b'"did"' in text:
            return 0.8
        return 0.0

    def read(self) -> Iterator[Item]:
        return guarded(records(self.path, self.name, self._parse), path=self.path,
                       expected="Bluesky JSONL (app.bsky.feed.post records or Jetstream events)")

    # -- one JSON object -> items ------------------------------------------------------------
    def _parse(self, obj: dict[str, Any], line: int) -> list[Item]:
        if "kind" in obj or ("time_us" in obj and "type" in obj):
            return self._jetstream(obj, line)
        record: dict[str, Any]
        if isinstance(obj.get("$type"), str):
            record = obj
        elif isinstance(obj.get("record"), dict):
            record = obj["record"]
        elif isinstance(obj.get("value"), dict):
            record = obj["value"]
        else:
            raise NotRecognized("not a Bluesky record: no '$type', 'record', 'value' or Jetstream 'kind'")
        uri = get_str(obj, "uri")
        author = obj.get("author")
        did = (author.get("did") if isinstance(author, dict) else author) or obj.get("did") or obj.get("repo")
        if not isinstance(did, (str, type(None))):
            raise RecordError(f"field 'did' should be a string, got {type(did).__name__}")
        did = did or did_of(uri)
        collection = get_str(record, "$type") or (uri.split("/")[3] if uri and uri.count("/") >= 4 else None)
        rkey = get_str(obj, "rkey") or (uri.rsplit("/", 1)[-1] if uri and uri.count("/") >= 4 else None)
        if not did or not rkey:
            raise RecordError("record has no 'uri' (or 'did' and 'rkey'): cannot build its AT URI")
        handle = get_str(author, "handle") if isinstance(author, dict) else None
        items: list[Item] = []
        if isinstance(author, dict) and (handle or author.get("displayName")):
            items.append(Account(platform="bluesky", account_id=clean(did), handle=handle,
                                 display_name=get_str(author, "displayName"),
                                 source=str(self.path)))
        items += self._record(clean(did), collection or "", rkey, record, line, None, handle)
        return items

    def _jetstream(self, obj: dict[str, Any], line: int) -> list[Item]:
        kind = get_str(obj, "kind") or get_str(obj, "type")
        did = get_str(obj, "did", required=True)
        assert did is not None
        fallback = from_epoch(obj["time_us"], field="time_us", scale=1e6) if obj.get("time_us") else None
        if kind in ("identity", "id"):
            ident = get_dict(obj, "identity", where="")
            handle = get_str(ident, "handle", where="identity.")
            if handle:
                return [Account(platform="bluesky", account_id=did, handle=handle, source=str(self.path))]
            self.skipped["Bluesky identity events without a handle"] += 1
            return []
        if kind not in ("commit", "com"):
            if kind in ("account", "acc"):
                self.skipped["Bluesky account status events"] += 1
                return []
            raise NotRecognized(f"Jetstream event of unknown kind {kind!r}")
        commit = get_dict(obj, "commit")
        op = get_str(commit, "operation") or get_str(commit, "opType") or get_str(commit, "type")
        collection = get_str(commit, "collection", where="commit.") or ""
        if op in _DELETE:
            self.skipped[f"Bluesky deletes ({collection or 'unknown collection'})"] += 1
            return []
        if op not in _CREATE:
            raise RecordError(f"field 'commit.operation' should be create/update/delete, got {op!r}")
        rkey = get_str(commit, "rkey", required=True, where="commit.")
        record = get_dict(commit, "record", where="commit.")
        if not record:
            raise RecordError("commit has no 'record'")
        return self._record(did, collection, rkey or "", record, line, fallback, None)

    def _record(self, did: str, collection: str, rkey: str, record: dict[str, Any], line: int,
                fallback: datetime | None, handle: str | None) -> list[Item]:
        if collection == PROFILE:
            return [Account(platform="bluesky", account_id=did, handle=handle,
                            display_name=get_str(record, "displayName"),
                            bio=get_str(record, "description"),
                            avatar_hash=_blob_cid(record.get("avatar")),
                            source=str(self.path))]
        if collection not in (POST, REPOST):
            self.skipped[f"Bluesky records of other collections ({collection or 'no $type'})"] += 1
            return []
        uri = f"at://{did}/{collection}/{rkey}"
        time, zone_known = self._time(record, fallback)
        if collection == REPOST:
            subject = get_str(get_dict(record, "subject"), "uri", required=True, where="subject.")
            return [Post(platform="bluesky", post_id=uri, account_id=did, handle=handle, time=time,
                         time_zone_known=zone_known, urls=[], hashtags=[], mentions=[],
                         repost_of_post=subject, repost_of_account=did_of(subject),
                         source_file=str(self.path), source_line=line)]
        text = record.get("text")
        if text is not None and not isinstance(text, str):
            raise RecordError(f"field 'text' should be a string, got {type(text).__name__}")
        urls, mentions, tags = self._facets(record)
        tags += [clean(t) for t in get_list(record, "tags") if isinstance(t, str)]
        embed = get_dict(record, "embed")
        quote, media, ext = self._embed(embed)
        urls += ext
        if "facets" not in record:
            # No rich-text facets (older or hand-made records): let the pipeline read the text.
            urls = [*ext, *extract_urls(text)] if ext else None  # type: ignore[assignment]
            mentions = tags = None  # type: ignore[assignment]
            if record.get("tags"):
                tags = [clean(t) for t in get_list(record, "tags") if isinstance(t, str)]
        reply_to = get_str(get_dict(get_dict(record, "reply"), "parent"), "uri", where="reply.parent.")
        langs = [lang for lang in get_list(record, "langs") if isinstance(lang, str)]
        return [Post(platform="bluesky", post_id=uri, account_id=did, handle=handle, time=time,
                     time_zone_known=zone_known, text=clean(text) if text else text,
                     language=langs[0] if langs else None,
                     urls=urls, hashtags=tags, mentions=mentions,
                     reply_to_post=reply_to, reply_to_account=did_of(reply_to),
                     quote_of_post=quote, media_hashes=media,
                     source_file=str(self.path), source_line=line)]

    @staticmethod
    def _time(record: dict[str, Any], fallback: datetime | None) -> tuple[datetime, bool]:
        created = record.get("createdAt")
        if created is None and fallback is not None:
            return fallback, True
        return from_iso(created, field="createdAt")

    @staticmethod
    def _facets(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
        urls: list[str] = []
        mentions: list[str] = []
        tags: list[str] = []
        for facet in get_list(record, "facets"):
            if not isinstance(facet, dict):
                continue
            for feature in get_list(facet, "features", where="facets[]."):
                if not isinstance(feature, dict):
                    continue
                kind = str(feature.get("$type", ""))
                if kind.endswith("#link") and isinstance(feature.get("uri"), str):
                    urls.append(clean(feature["uri"]))
                elif kind.endswith("#mention") and isinstance(feature.get("did"), str):
                    mentions.append(clean(feature["did"]))
                elif kind.endswith("#tag") and isinstance(feature.get("tag"), str):
                    tags.append(clean(feature["tag"]))
        return urls, mentions, tags

    @staticmethod
    def _embed(embed: dict[str, Any]) -> tuple[str | None, list[str], list[str]]:
        """(quoted post URI, media CIDs, external link URLs) of an embed, nested ones included."""
        quote: str | None = None
        media: list[str] = []
        links: list[str] = []
        kind = str(embed.get("$type", ""))
        if kind.startswith("app.bsky.embed.recordWithMedia"):
            inner = get_dict(get_dict(embed, "record"), "record")
            quote = get_str(inner, "uri", where="embed.record.record.")
            _, media, links = BlueskyPosts._embed(get_dict(embed, "media"))
        elif kind.startswith("app.bsky.embed.record"):
            quote = get_str(get_dict(embed, "record"), "uri", where="embed.record.")
        elif kind.startswith("app.bsky.embed.external"):
            uri = get_str(get_dict(embed, "external"), "uri", where="embed.external.")
            links = [uri] if uri else []
        elif kind.startswith("app.bsky.embed.images"):
            for image in get_list(embed, "images", where="embed."):
                cid = _blob_cid(image.get("image")) if isinstance(image, dict) else None
                if cid:
                    media.append(clean(cid))
        elif kind.startswith("app.bsky.embed.video"):
            cid = _blob_cid(embed.get("video"))
            media = [clean(cid)] if cid else []
        return quote, media, links
