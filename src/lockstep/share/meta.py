"""Meta-style indicator files (github.com/facebook/threat-research), CSV or JSON, in both layouts:

* typed: ``indicator_type, indicator_value, comment, ds`` (``domain_name``, ``url``, ``sha256``...);
* kill chain: ``Tactic, Technique, Procedure, Indicator[, Notes|Comments]``, where the Indicator
  cell is free: a defanged domain or URL, a hash, but also a count ("63 accounts"), an amount
  ("About $500 in spending"), an e-mail, an IP or a sentence.

Each cell is classified; what is not an indicator Lockstep matches goes to ``intel_quarantine``
with the reason, like ingest's quarantine: nothing is dropped silently. Blank separator rows are
counted as blank. Profile URLs (``twitter.com/NAME``, ``t.me/NAME``, ``tiktok.com/@NAME``...) also
give an ``account`` indicator for the handle.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lockstep.errors import SourceError
from lockstep.ingest.normalize import refang
from lockstep.share.patterns import normalize

TYPED = {"domain_name": "domain", "domain": "domain", "url": "url", "cib_url": "url", "phishing_url": "url",
         "telegram_url": "url", "md5": "file_hash", "sha1": "file_hash", "sha256": "file_hash",
         "username": "account", "account": "account"}
_COUNT = re.compile(r"^(?:about|around|approximately|approx\.?|over|more than|nearly|~)?\s*\$?\d[\d,.]*\s*[km]?\+?"
                    r"(?:\s+\S.*)?$", re.IGNORECASE | re.DOTALL)
_HASH = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$", re.IGNORECASE)
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_HOSTLIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_PROFILE = [
    (re.compile(r"^https?://(?:mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?([A-Za-z0-9_]{1,30})/?$", re.I), "twitter"),
    (re.compile(r"^https?://t\.me/(?:s/)?([A-Za-z0-9_]{4,64})/?$", re.I), "telegram"),
    (re.compile(r"^https?://(?:m\.)?tiktok\.com/@([\w.]{2,40})/?$", re.I), "tiktok"),
    (re.compile(r"^https?://(?:m\.)?youtube\.com/(?:@|c/|user/)([\w.-]{2,100})/?$", re.I), "youtube"),
    (re.compile(r"^https?://(?:m\.)?instagram\.com/([\w.]{2,30})/?$", re.I), "instagram"),
    (re.compile(r"^https?://medium\.com/@([\w.-]{2,50})/?$", re.I), "medium"),
]


@dataclass(frozen=True, slots=True)
class Row:
    """One classified cell: an indicator (``type``/``value``) or a refusal (``reason``)."""

    line: int
    raw: str
    type: str | None = None
    value: str | None = None
    platform: str | None = None
    reason: str | None = None
    label: str | None = None


def _refang_more(value: str) -> str:
    v = refang(value.strip())
    v = re.sub(r"\[:\]|\{:\}|\(:\)", ":", v)
    v = re.sub(r"\[at\]|\(at\)|\[@\]", "@", v, flags=re.IGNORECASE)
    return re.sub(r"^hxxp", "http", v, flags=re.IGNORECASE)


def classify(cell: str, line: int, label: str | None = None) -> Row | None:
    """What one free Indicator cell is; ``None`` for a blank cell."""
    raw = cell
    v = _refang_more(cell)
    if not v:
        return None
    if " " in v.strip() or "\n" in v.strip():
        if _COUNT.match(v.strip()):
            return Row(line, raw, reason="a count or amount, not an indicator", label=label)
        return Row(line, raw, reason="free text describing the activity, not an indicator", label=label)
    v = v.strip()
    if _COUNT.match(v) and not _HOSTLIKE.match(v):
        return Row(line, raw, reason="a count or amount, not an indicator", label=label)
    if _HASH.match(v):
        return Row(line, raw, "file_hash", v.lower(), label=label)
    if _IP.match(v):
        return Row(line, raw, reason="an IP address (Lockstep matches posts, which carry no IPs)", label=label)
    if _EMAIL.match(v):
        return Row(line, raw, reason="an e-mail address (Lockstep does not match e-mail)", label=label)
    if _HOSTLIKE.match(v):
        has_path = bool(re.search(r"^[^/]*://", v)) or "/" in v or "?" in v
        kind = "url" if has_path else "domain"
        value = normalize(kind, v)
        if value:
            return Row(line, raw, kind, value, label=label)
    return Row(line, raw, reason="not a domain, URL, account or hash", label=label)


def profile_account(url: str) -> tuple[str, str] | None:
    """(platform, handle) when a URL is an account's profile page."""
    for rx, platform in _PROFILE:
        m = rx.match(url)
        if m:
            return platform, m.group(1).lower()
    return None


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"'{path}' is not valid JSON (line {exc.lineno}): {exc.msg}.") from exc
        if not isinstance(data, list):
            raise SourceError(f"'{path}' must hold a JSON list of indicator records (Meta layout).")
        for i, rec in enumerate(data, 1):
            if isinstance(rec, dict):
                yield i, {str(k).strip().lower(): "" if v is None else str(v) for k, v in rec.items()}
        return
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    for row in reader:
        yield reader.line_num, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}


def is_meta(path: Path, head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].lower()
    return ("indicator_type" in first and "indicator_value" in first) or (
        "tactic" in first and "indicator" in first) or '"indicator_type"' in head


def read(path: Path) -> Iterator[Row]:
    """Every record of a Meta-style file, classified. Blank separator rows yield nothing."""
    for line, rec in _records(path):
        if "indicator_type" in rec:
            t, value = rec.get("indicator_type", "").strip().lower(), rec.get("indicator_value", "")
            label = rec.get("comment") or None
            kind = TYPED.get(t)
            if not value.strip() and not t:
                continue
            if kind is None:
                yield Row(line, f"{t},{value}", reason=f"indicator type {t!r} is not matched by Lockstep "
                          "(it matches domains, URLs, accounts and hashes)", label=label)
                continue
            norm = normalize(kind, _refang_more(value))
            if norm is None and kind == "domain":  # a 'domain' with a path is a URL
                kind, norm = "url", normalize("url", _refang_more(value))
            if not norm:
                yield Row(line, value, reason=f"empty or unreadable {t} value", label=label)
                continue
            yield Row(line, value, kind, norm, label=label)
        elif "indicator" in rec:
            procedure = " ".join(rec.get("procedure", "").split()) or None
            row = classify(rec.get("indicator", ""), line, procedure)
            if row is not None:
                yield row
        else:
            raise SourceError(
                f"'{path}' line {line}: no 'indicator_type'/'indicator_value' or 'Indicator' column. "
                "Expected Meta's typed layout or its kill-chain layout (Tactic, Technique, Procedure, Indicator).")
