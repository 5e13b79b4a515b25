"""Pseudonyms for accounts that are not notable, in anything Lockstep publishes: the one path.

An account is *notable* (shown as itself) when it is verified or has at least
``NOTABLE_FOLLOWERS`` followers: public figures and large pages are part of the story, private
individuals caught in a network are not. Others are shown as a keyed hash (HMAC-SHA256 with a key
only the publisher holds), stable across reports made with the same key, so a reader can follow one
account through a report without learning who it is.

Naming a member in a table is the easy part. Identifiers also travel inside text the data wrote or
Lockstep composed from it: a signal's sentence ("Handle @cobalt_orbit137 ends in…", "its display
name 'Emma Williams'…"), a network's *why*, an evidence item, a shared profile or status URL, a
client-app name, an example post. :class:`Pseudonymizer` therefore learns every identifier of the
accounts in scope (:func:`load_accounts`: ids, every handle seen in the accounts table and in
posts, display names) and :meth:`Pseudonymizer.scrub` replaces each in any text with the account's
pseudonym. The report, GEXF, CSV and STIX exports all go through it.

Rules of :meth:`~Pseudonymizer.scrub`, in order:

- a URL that names a hidden account keeps its scheme and host and loses the rest
  (``https://x.com/acct-1a2b3c4d5e/…``): the path after a handle is often a post id that leads
  straight back to the account;
- an identifier is replaced where it stands as a whole word (case-insensitive; runs of spaces
  count as one; a leading ``@`` goes with it). Identifiers shorter than 3 characters, and numeric
  ids shorter than 6 digits, are not searched in free text (they would hit counts and dates); they
  are still replaced wherever a field holds an account id (:meth:`~Pseudonymizer.name`);
- any other ``@handle`` (a mention of an account outside the data) is pseudonymized too, unless it
  is a known notable account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick

from lockstep.share.pseudonym import handle_hash, id_hash, keyed_hash, read_key
from lockstep.store import Store

__all__ = ["NOTABLE_FOLLOWERS", "AccountRef", "Pseudonymizer", "keyed_hash", "load_accounts", "read_key"]

NOTABLE_FOLLOWERS = 10_000
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_URL = re.compile(r"(?i)\b(h[tx]{2}ps?|ftp)(://)([^\s/<>\"'`]+)([^\s<>\"'`]*)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_])")


def _fold(text: str) -> str:
    """Lower-case that keeps the length (``İ`` would grow), so match positions map back one to one."""
    if text.isascii():
        return text.translate(_LOWER)
    low = text.lower()  # a character's lower case is never shorter, so equal length means aligned
    if len(low) == len(text):
        return low
    return "".join(lc if len(lc := c.lower()) == 1 else c for c in text)


_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")


def _squeeze(text: str) -> tuple[str, list[int]]:
    """Whitespace runs as one space, with each kept character's position in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    in_run = False
    for i, c in enumerate(text):
        space = c.isspace()
        if space and in_run:
            continue
        chars.append(" " if space else c)
        where.append(i)
        in_run = space
    return "".join(chars), where


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """One account and every identifier it is known by in the data."""

    platform: str
    account_id: str
    handles: tuple[str, ...] = ()
    display_name: str | None = None
    followers: int | None = None
    verified: bool | None = None


class Pseudonymizer:
    """Decides how an account is named in published output, and scrubs text of hidden accounts.

    ``notable_followers=None`` makes no account notable (the STIX export hides every account).
    """

    def __init__(self, key: bytes | None = None, *, notable_followers: int | None = NOTABLE_FOLLOWERS) -> None:
        self.key = key
        self.notable_followers = notable_followers
        self._names: dict[tuple[str, str], str] = {}
        self._hidden: dict[str, str] = {}  # folded identifier -> pseudonym
        self._notable_handles: set[str] = set()
        self._automaton: Any = None

    @property
    def active(self) -> bool:
        return self.key is not None

    def is_notable(self, followers: int | None, verified: bool | None) -> bool:
        if self.notable_followers is None:
            return False
        return bool(verified) or (followers or 0) >= self.notable_followers

    def label(self, platform: str, account_id: str, handle: str | None,
              followers: int | None = None, verified: bool | None = None) -> str:
        """The handle (or id) for notable accounts or when off; else ``acct-<10 hex>``."""
        if self.key is None or self.is_notable(followers, verified):
            return handle or account_id
        # The same keyed hash as STIX exports (share.pseudonym), shortened: a partner holding the
        # key can connect a report's pseudonym to an exported indicator, nobody else can.
        return "acct-" + id_hash(self.key, account_id)[:10]

    # -- learning the accounts in scope -------------------------------------------------------

    def know(self, accounts: Iterable[AccountRef]) -> None:
        """Learn accounts: their labels, and (for hidden ones) every identifier to scrub."""
        for a in accounts:
            handle = a.handles[0] if a.handles else None
            label = self.label(a.platform, a.account_id, handle, a.followers, a.verified)
            self._names[(a.platform, a.account_id)] = label
            if not self.active:
                continue
            if self.is_notable(a.followers, a.verified):
                self._notable_handles.update(_fold(h.lstrip("@")) for h in a.handles if h)
                continue
            for ident in (a.account_id, *a.handles, a.display_name):
                ident = " ".join((ident or "").split()).lstrip("@")
                if len(ident) >= 3 and not (ident.isdigit() and len(ident) < 6):
                    self._hidden.setdefault(_fold(ident), label)
        self._automaton = None

    def name(self, platform: str, account_id: str) -> str:
        """How a field holding this account's id is published (unknown accounts: hidden)."""
        known = self._names.get((platform, account_id))
        if known is not None:
            return known
        return self.label(platform, account_id, None) if self.active else account_id

    def hidden(self) -> list[str]:
        """Every identifier :meth:`scrub` removes (folded), longest first: for leak checks."""
        return sorted(self._hidden, key=len, reverse=True)

    def post(self, post_id: str) -> str:
        """A post id as published: itself when off, else ``post-<12 hex>`` (a post id finds its author)."""
        if self.key is None:
            return post_id
        return "post-" + keyed_hash(self.key, "post:" + post_id)[:12]

    def item(self, trace: str, item: str) -> str:
        """An evidence item as published: reply and repost targets are posts (``platform/<post
        id>``) or ``platform/rt:<account>:<text hash>``, both of which lead to an account; the rest
        is scrubbed like any text."""
        if self.active and trace in ("co_reply", "co_repost") and "/" in item:
            platform, _, ref = item.partition("/")
            if ref.startswith("rt:"):
                return f"{platform}/repost of {self.name(platform, ref.split(':')[1])}"
            return f"{platform}/{self.post(ref)}"
        return self.scrub(item)

    # -- scrubbing text -----------------------------------------------------------------------

    def _matches(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, pseudonym) of hidden identifiers standing as whole words."""
        if not self._hidden:
            return []
        if self._automaton is None:
            auto = ahocorasick.Automaton()
            for ident, label in self._hidden.items():
                auto.add_word(ident, (len(ident), label))
            auto.make_automaton()
            self._automaton = auto
        folded, where = _fold(text), None
        if _ODD_SPACE.search(folded):  # "Emma  Williams", "Emma\nWilliams": matched as one space
            folded, where = _squeeze(folded)
        found = []
        for end, (n, label) in self._automaton.iter(folded):
            start, stop = end - n + 1, end + 1
            if where is not None:
                start, stop = where[start], where[stop - 1] + 1
            if (start > 0 and _word(text[start - 1])) or (stop < len(text) and _word(text[stop])):
                continue
            if start > 0 and text[start - 1] == "@" and not (start > 1 and _word(text[start - 2])):
                start -= 1  # "@handle" goes as a whole; "user@handle.example" keeps its "user@"
            found.append((start, stop, label))
        found.sort(key=lambda m: (m[0], m[0] - m[1]))
        out: list[tuple[int, int, str]] = []
        for m in found:
            if not out or m[0] >= out[-1][1]:
                out.append(m)
        return out

    def names_hidden(self, text: str) -> bool:
        """Whether the text names a hidden account (an identifier as a whole word)."""
        return self.active and bool(self._matches(text))

    def _replace(self, text: str) -> str:
        parts, pos = [], 0
        for start, stop, label in self._matches(text):
            parts += [text[pos:start], label]
            pos = stop
        parts.append(text[pos:])
        return "".join(parts)

    def _url(self, m: re.Match[str]) -> str:
        scheme, sep, host, rest = m.groups()
        hits = self._matches(host + rest)
        if not hits:
            return m.group(0)
        return f"{scheme}{sep}{self._replace(host)}/{hits[0][2]}" + ("/…" if rest.strip("/") else "")

    def _mention(self, m: re.Match[str]) -> str:
        handle = _fold(m.group(1))
        if handle in self._notable_handles or handle.startswith("acct-"):
            return m.group(0)
        return "acct-" + handle_hash(self.key or b"", handle)[:10]

    def scrub(self, text: str) -> str:
        """The text with every identifier of a hidden account replaced (see the module doc)."""
        if not self.active or not text:
            return text
        text = _URL.sub(self._url, text)
        text = self._replace(text)
        return _MENTION.sub(self._mention, text) if "@" in text else text

    def scrub_all(self, value: Any) -> Any:
        """:meth:`scrub` over every string in nested dicts, lists and tuples (others unchanged)."""
        if not self.active:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_all(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_all(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.scrub_all(v) for v in value)
        return value


def load_accounts(store: Store, dataset: str, network_ids: list[int] | None = None) -> list[AccountRef]:
    """The members of the dataset's networks (or of ``network_ids``) with every handle they posted
    under and their profile, plus the accounts their evidence mentions (so a notable target stays
    itself and a private one is hidden)."""
    if not store.has_table("members"):
        return []
    nets = "" if not network_ids else "AND list_contains(?, network_id)"
    params: list[Any] = [dataset] + ([network_ids] if network_ids else [])
    store.con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ps_members AS SELECT DISTINCT platform, account_id "
        f"FROM members WHERE dataset = ? {nets}", params)
    mentioned = ""
    mparams: list[Any] = []
    if store.has_table("evidence"):
        mentioned = f"""
            UNION SELECT a.platform, a.account_id FROM accounts a
            JOIN (SELECT DISTINCT platform, lower(split_part(item, '/@', 2)) AS h FROM evidence
                  WHERE dataset = ? AND trace = 'co_mention' {nets}) e
              ON a.platform = e.platform AND lower(a.handle) = e.h
            WHERE a.dataset = ?"""
        mparams = [dataset, *([network_ids] if network_ids else []), dataset]
    rows = store.rows(
        f"""
        WITH m AS (SELECT platform, account_id FROM _ps_members {mentioned}),
        h AS (SELECT p.platform, p.account_id, list(DISTINCT p.handle) AS handles
              FROM posts p JOIN m USING (platform, account_id)
              WHERE p.dataset = ? AND p.handle IS NOT NULL GROUP BY 1, 2)
        SELECT m.platform, m.account_id, a.handle, h.handles, a.display_name, a.followers, a.verified
        FROM m LEFT JOIN accounts a
          ON a.dataset = ? AND a.platform = m.platform AND a.account_id = m.account_id
        LEFT JOIN h ON h.platform = m.platform AND h.account_id = m.account_id
        ORDER BY 1, 2""",
        [*mparams, dataset, dataset],
    )
    store.con.execute("DROP TABLE IF EXISTS _ps_members")
    out = []
    for platform, account_id, handle, handles, display, followers, verified in rows:
        seen = [handle] if handle else []
        seen += sorted(h for h in (handles or []) if h and h != handle)
        out.append(AccountRef(platform, account_id, tuple(seen), display, followers, verified))
    return out
