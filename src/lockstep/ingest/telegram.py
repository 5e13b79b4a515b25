"""Telegram Desktop exports (``result.json``): one chat, or a full export with ``chats.list``.

Why these choices:

* **Streamed.** Exports of big channels run to gigabytes, so the file is parsed as a stream of
  JSON events (``ijson``) and one message object is built at a time.
* **UTC from ``date_unixtime``.** ``date`` is the exporting computer's local time without a zone;
  it is used only where ``date_unixtime`` is missing, and then the post says its zone is unknown.
* **Ids.** Message ids are per chat, so ``post_id`` is ``<chat id>/<message id>``; replies point
  into the same chat. The account is ``from_id`` (``channel123``, ``user456``); channel posts
  without one belong to the channel. ``forwarded_from`` is only a name in the export, and it is
  kept as ``repost_of_account`` (prefixed ``name:`` so it cannot be mistaken for an id).
* **Entities over text.** ``text_entities`` (or the entity objects inside ``text``) give links,
  hashtags and mentions exactly; nothing is guessed from the text.
* **Service messages** (joins, pins, title changes) are not posts; they are counted as skipped
  with their reason. Media files that were exported beside ``result.json`` are hashed (SHA-256),
  so the same image posted in two chats matches.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.base import Item, ReadOptions, open_binary
from lockstep.ingest.jsonrec import RecordError, clean, from_epoch, from_iso, get_str, raw_text
from lockstep.model import Account, Post, Quarantined

_MEDIA_KEYS = ("photo", "file", "thumbnail")
_LINK_TYPES = {"link", "text_link", "email"}


def _sha256(folder: Path, rel: str) -> str | None:
    """SHA-256 of an exported media file; only files inside the export's folder are read."""
    try:
        path = (folder / rel).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            return None
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return "sha256:" + h.hexdigest()
    except (OSError, ValueError):
        return None


class TelegramExport:
    """Messages of a Telegram Desktop JSON export (single chat or full account export)."""

    name: ClassVar[str] = "telegram_export"
    description: ClassVar[str] = "Telegram Desktop export result.json (one chat or chats.list)"

    def __init__(self, *, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        self.skipped: Counter[str] = Counter()
        self._seen_accounts: set[tuple[str, str | None]] = set()

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        text = head.lstrip()[:16384]
        if not text.startswith(b"{"):
            return 0.0
        if b'"messages"' in text and (b'"date_unixtime"' in text or b'"from_id"' in text
                                      or b'"text_entities"' in text):
            return 0.9
        if b'"chats"' in text and b'"list"' in text and b'"personal_information"' in text:
            return 0.85
        return 0.0

    def read(self) -> Iterator[Item]:
        import ijson

        chat: dict[str, Any] = {}
        builder: Any = None
        message_prefix = ""
        number = 0
        found_messages = False
        try:
            with open_binary(self.path) as fh:
                budget = guard.RecordBudget(fh)
                for prefix, event, value in ijson.parse(budget, use_float=True):
                    if builder is None:
                        budget.mark()  # the budget counts the bytes of one message at a time
                    else:
                        builder.event(event, value)
                        if event == "end_map" and prefix == message_prefix:
                            number += 1
                            yield from self._message(builder.value, chat, number)
                            builder = None
                        continue
                    if prefix.endswith("messages.item") and event == "start_map":
                        found_messages = True
                        message_prefix = prefix
                        builder = ijson.ObjectBuilder()
                        builder.event(event, value)
                    elif event == "start_map" and (prefix == "" or prefix.endswith("list.item")):
                        chat = {"_base": f"{prefix}." if prefix else ""}
                    elif event in ("string", "number") and chat and prefix.startswith(chat["_base"]):
                        key = prefix[len(chat["_base"]):]
                        if key in ("name", "type", "id"):
                            chat[key] = value
        except (ijson.JSONError, ValueError, UnicodeDecodeError, OSError, EOFError, RecursionError) as exc:
            if number == 0 and not found_messages:
                raise SourceError(
                    f"'{self.path}' is not a Telegram Desktop export: it is not readable JSON ({exc}). "
                    "Export the chat with Telegram Desktop as 'Machine-readable JSON'."
                ) from exc
            yield Quarantined(str(self.path), number + 1, "",
                              f"the export breaks off after message {number}: {guard.reason_of(exc)}", adapter=self.name)
            return
        if not found_messages:
            raise SourceError(
                f"'{self.path}' is JSON but not a Telegram Desktop export: it has no 'messages' "
                "(single chat) or 'chats.list[].messages' (full export). "
                "Export with Telegram Desktop as 'Machine-readable JSON'."
            )

    # -- one message ---------------------------------------------------------------------------
    def _message(self, msg: Any, chat: dict[str, Any], number: int) -> Iterator[Item]:
        if not isinstance(msg, dict):
            yield Quarantined(str(self.path), number, raw_text(msg), "message is not a JSON object",
                              adapter=self.name)
            return
        if msg.get("type") == "service":
            self.skipped[f"Telegram service messages ({msg.get('action', 'no action')})"] += 1
            return
        yield from guard.convert(lambda: self._post(msg, chat, number), path=self.path, line=number,
                                 raw=lambda: guard.raw_json(msg), adapter=self.name)

    def _post(self, msg: dict[str, Any], chat: dict[str, Any], number: int) -> Iterator[Item]:
        chat_id = get_str(chat, "id")
        if not chat_id:
            raise RecordError("the chat's 'id' is not known before its messages")
        msg_id = get_str(msg, "id", required=True)
        if "date_unixtime" in msg:
            time, zone_known = from_epoch(msg["date_unixtime"], field="date_unixtime"), True
        else:
            time, zone_known = from_iso(msg.get("date"), field="date")
        account = get_str(msg, "from_id")
        author_name = get_str(msg, "from")
        if not account:
            if "channel" not in str(chat.get("type", "")):
                raise RecordError("message has no 'from_id' and the chat is not a channel")
            account, author_name = f"channel{chat_id}", author_name or get_str(chat, "name")
        if (account, author_name) not in self._seen_accounts:
            self._seen_accounts.add((account, author_name))
            yield Account(platform="telegram", account_id=account, display_name=author_name,
                          source=str(self.path))
        text, urls, tags, mentions = self._text(msg)
        reply = get_str(msg, "reply_to_message_id")
        forwarded = get_str(msg, "forwarded_from_id") or (
            f"name:{name}" if (name := get_str(msg, "forwarded_from")) else None)
        media = []
        for key in _MEDIA_KEYS:
            rel = get_str(msg, key)
            if rel and not rel.startswith("("):  # "(File not included. ...)" placeholders
                digest = _sha256(self.path.parent, rel)
                if digest:
                    media.append(digest)
        yield Post(
            platform="telegram", post_id=f"{chat_id}/{msg_id}", account_id=account, time=time,
            time_zone_known=zone_known, text=text, urls=urls, hashtags=tags, mentions=mentions,
            reply_to_post=f"{chat_id}/{reply}" if reply else None, repost_of_account=forwarded,
            media_hashes=media, client=get_str(msg, "via_bot"),
            source_file=str(self.path), source_line=number,
        )

    @staticmethod
    def _text(msg: dict[str, Any]) -> tuple[str, list[str], list[str], list[str]]:
        """Plain text and the links, hashtags and mentions its entities mark."""
        entities = msg.get("text_entities")
        raw = msg.get("text", "")
        if not isinstance(entities, list):
            entities = raw if isinstance(raw, list) else [raw]
        parts: list[str] = []
        urls: list[str] = []
        tags: list[str] = []
        mentions: list[str] = []
        for ent in entities:
            if isinstance(ent, str):
                parts.append(ent)
                continue
            if not isinstance(ent, dict):
                raise RecordError(f"'text_entities' holds a {type(ent).__name__}, expected objects")
            kind = ent.get("type")
            value = ent.get("text", "")
            if not isinstance(value, str):
                raise RecordError(f"an entity's 'text' should be a string, got {type(value).__name__}")
            parts.append(value)
            if kind == "text_link" and isinstance(ent.get("href"), str):
                urls.append(clean(ent["href"]))
            elif kind in _LINK_TYPES and kind != "email":
                urls.append(clean(value))
            elif kind == "hashtag":
                tags.append(clean(value.lstrip("#")))
            elif kind == "mention":
                mentions.append(clean(value.lstrip("@")))
            elif kind == "mention_name" and ent.get("user_id") is not None:
                mentions.append(f"user{ent['user_id']}")
        if isinstance(raw, str) and not parts:
            parts.append(raw)
        return clean("".join(parts)), urls, tags, mentions
