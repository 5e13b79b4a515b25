"""STIX patterns <-> Lockstep indicator types, both ways: :func:`pattern_for` writes the pattern of
one indicator, :func:`observables` reads any pattern back.

Writing and reading live together so the two stay each other's inverse, and so that modules that
only need a pattern (sightings in ``share.match``) do not depend on the bundle builder.

Read with ``stix2-patterns`` (the OASIS grammar), so any valid pattern parses; what Lockstep can
*match* is the equality (``=``) and ``IN`` comparisons on the observables below. Anything else
(``LIKE``, ``MATCHES``, ``!=``, IP addresses, e-mail ...) is reported, not guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stix2patterns.pattern import ParseException, Pattern

from lockstep.errors import ShareError
from lockstep.ingest.normalize import normalize_domain, normalize_handle, normalize_url

_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")


@dataclass(frozen=True, slots=True)
class Observable:
    type: str
    value: str
    platform: str | None = None


class PatternError(ValueError):
    """A pattern Lockstep cannot use, with the reason."""


def quote(value: str) -> str:
    """A value as a STIX pattern string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(kind: str, value: str, platform: str | None, pseudonymized: bool) -> str:
    """The STIX pattern for one indicator; :func:`observables` reads these back."""
    acct = f"user-account:account_type = {quote(platform)} AND " if platform else ""
    if kind == "account":
        prop = "x_lockstep_login_hmac" if pseudonymized else "account_login"
        return f"[{acct}user-account:{prop} = {quote(value)}]"
    if kind == "account_id":
        prop = "x_lockstep_user_id_hmac" if pseudonymized else "user_id"
        return f"[{acct}user-account:{prop} = {quote(value)}]"
    if kind == "domain":
        return f"[domain-name:value = {quote(value)}]"
    if kind == "url":
        return f"[url:value = {quote(value)}]"
    if kind == "text_fingerprint":
        return f"[artifact:hashes.'SHA-256' = {quote(value)}]"
    raise ShareError(f"No STIX pattern for indicator type {kind!r}.")


def _strings(literal: str) -> list[str]:
    return [m.replace("\\'", "'").replace("\\\\", "\\") for m in _STRING.findall(literal)]


def normalize(kind: str, value: str) -> str | None:
    """The form a value is stored and matched in (``None`` when nothing is left of it)."""
    v = value.strip()
    if not v:
        return None
    if kind == "domain":
        return normalize_domain(v)
    if kind == "url":
        return normalize_url(v) or None
    if kind == "account":
        return normalize_handle(v) or None
    if kind in ("account_hash", "text_fingerprint", "image_hash", "file_hash"):
        return v.lower()
    return v


def observables(pattern: str, *, text_fingerprint: bool = False) -> list[Observable]:
    """What a STIX pattern names that Lockstep can match. Raises :class:`PatternError`."""
    try:
        data = Pattern(pattern).inspect()
    except ParseException as exc:
        raise PatternError(f"not a valid STIX pattern ({exc})") from exc
    out: list[Observable] = []
    skipped: list[str] = []
    for otype, comparisons in data.comparisons.items():
        platform = None
        if otype == "user-account":
            kinds = [_strings(v) for p, op, v in comparisons if p == ["account_type"] and op == "="]
            platform = kinds[0][0].lower() if kinds and kinds[0] else None
        for path, op, literal in comparisons:
            kind = _kind(otype, path, text_fingerprint)
            if kind is None:
                if path != ["account_type"]:
                    skipped.append(f"{otype}:{'.'.join(map(str, path))}")
                continue
            if op not in ("=", "IN"):
                skipped.append(f"{otype}:{'.'.join(map(str, path))} {op}")
                continue
            for s in _strings(literal):
                value = normalize(kind, s)
                if value:
                    out.append(Observable(kind, value, platform if kind.startswith("account") else None))
    if not out:
        what = ", ".join(sorted(set(skipped))) or "nothing"
        raise PatternError(f"names nothing Lockstep matches (found: {what}); "
                           "Lockstep matches domain-name, url, user-account and artifact/file hashes with = or IN")
    return out


def _kind(otype: str, path: list[object], text_fp: bool) -> str | None:
    key = ".".join(map(str, path))
    if otype == "domain-name" and key == "value":
        return "domain"
    if otype == "url" and key == "value":
        return "url"
    if otype == "user-account":
        return {"account_login": "account", "user_id": "account_id", "x_lockstep_login_hmac": "account_hash",
                "x_lockstep_user_id_hmac": "account_hash"}.get(key)
    if otype in ("artifact", "file") and path and path[0] == "hashes":
        return "text_fingerprint" if text_fp else ("image_hash" if otype == "artifact" else "file_hash")
    if otype == "x-lockstep-text" and key == "fingerprint":
        return "text_fingerprint"
    return None
