"""Normalizing URLs, domains, hashtags and mentions: one implementation, used by ingest and by
indicator matching, so the two can never disagree about what "the same link" means.

No network calls: short links are kept as they are (a t.co link is evidence in itself), and the
public-suffix list is the snapshot that ships inside ``tldextract``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\u201c\u201d\u2018\u2019]+", re.IGNORECASE)
HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,30})", re.UNICODE)
RT_RE = re.compile(r"^RT @(\w{1,30}):", re.UNICODE)

#: Query parameters that only track the click, never change what the link points to.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "ref_src", "_ga", "yclid"}
)
_TRAILING = ".,;:!?)]}'\"…"

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def extract_urls(text: str | None) -> list[str]:
    """Raw URLs in a text, with sentence punctuation trimmed off the end."""
    if not text:
        return []
    return [m.group(0).rstrip(_TRAILING) for m in URL_RE.finditer(text)]


def extract_hashtags(text: str | None) -> list[str]:
    return [h.casefold() for h in HASHTAG_RE.findall(text or "")]


def extract_mentions(text: str | None) -> list[str]:
    return [m.casefold() for m in MENTION_RE.findall(text or "")]


def retweeted_handle(text: str | None) -> str | None:
    """``RT @user:`` at the start of a text names the account being reposted."""
    m = RT_RE.match(text or "")
    return m.group(1) if m else None


@lru_cache(maxsize=1 << 20)
def normalize_url(url: str) -> str:
    """Canonical form of a URL: scheme lower-case (http and https kept apart), host lower-case
    without ``www.`` and default port, tracking parameters (``utm_*``, ``fbclid``...) and the
    fragment dropped, remaining query parameters kept in their order. Defanged input
    (``hxxp``, ``[.]``) is refanged first. Unparseable input is returned stripped."""
    u = refang(url.strip())
    if not u:
        return u
    if "://" not in u[:12]:
        u = "http://" + u
    try:
        parts = urlsplit(u)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return u
    scheme = parts.scheme.lower()
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    query = ""
    if parts.query:
        kept = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
        query = urlencode(kept, doseq=True)
    path = parts.path or ""
    if path == "/":
        path = ""
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=1 << 18)
def registered_domain(url_or_host: str) -> str | None:
    """The registrable domain (``bbc.co.uk`` for ``news.bbc.co.uk``), public-suffix aware.
    IP addresses are returned as they are; ``None`` when there is no host."""
    s = refang(url_or_host.strip().lower())
    if not s:
        return None
    if "://" in s[:12]:
        try:
            s = urlsplit(s).hostname or ""
        except ValueError:
            return None
    else:
        s = s.split("/", 1)[0].split(":", 1)[0]
    s = s.rstrip(".")
    if not s:
        return None
    ext = _EXTRACT(s)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    return ext.domain or None


_DEFANG = [
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE), "."),
    (re.compile(r"^hxxp", re.IGNORECASE), "http"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[/\]"), "/"),
]


def refang(value: str) -> str:
    """Undo the usual defanging of indicators: ``example[.]com`` -> ``example.com``."""
    for pattern, repl in _DEFANG:
        value = pattern.sub(repl, value)
    return value


def defang(value: str) -> str:
    """Make a URL or domain safe to print: ``https://a.com`` -> ``hxxps://a[.]com``."""
    value = re.sub(r"^http", "hxxp", value, flags=re.IGNORECASE)
    return value.replace(".", "[.]")


def defang_text(text: str) -> str:
    """Defang every URL inside a free text (post texts, sentences) so none can be followed."""
    return URL_RE.sub(lambda m: defang(m.group(0)), text or "")


_WS = re.compile(r"\s+")


def normalize_text(text: str | None) -> str:
    """Text reduced for exact-duplicate matching: URLs and ``RT @x:`` removed, case-folded,
    whitespace collapsed. Used by co_text and by text-fingerprint indicators."""
    if not text:
        return ""
    t = RT_RE.sub("", text)
    t = URL_RE.sub(" ", t)
    return _WS.sub(" ", t.casefold()).strip()


def text_fingerprint(text: str | None) -> str:
    """A stable fingerprint of a text (SHA-256 of its normalized form)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def content_id(*parts: object) -> str:
    """An id for a record whose source gives none: a hash of what identifies it."""
    h = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return "h:" + h.hexdigest()[:32]
