"""Normalizing URLs, texts, domains, hashtags and mentions: one module, used by ingest, by the
trace detectors and by indicator matching, so they can never disagree about what "the same link"
or "the same text" means.

Each normalization has one Python definition here. Where the same step also runs set-based (in
DuckDB SQL over millions of rows, or in Arrow over many URLs at once), that twin lives here too,
built from the same pieces (the same whitespace set, the same URL stop characters, the same
tracking parameters), and ``tests/ingest/test_normalize_twins.py`` holds each pair equal on
generated input. Python is the definition; a twin that disagrees is the bug.

No network calls: short links are kept as they are (a t.co link is evidence in itself), and the
public-suffix list is the snapshot that ships inside ``tldextract``.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc
import tldextract

from lockstep.sql import literal

if TYPE_CHECKING:
    from lockstep.engine.base import Engine

#: Every character Python's ``str.isspace`` (and so ``re``'s ``\s`` and ``str.split``) counts as
#: whitespace. The SQL twins spell it out, because RE2's ``\s`` is ASCII-only.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
              + "\u2028\u2029\u202f\u205f\u3000")
#: Characters that end a URL inside a text besides whitespace (quotes, also typographic, and <>).
URL_STOP = "<>\"'\u201c\u201d\u2018\u2019"

URL_RE = re.compile(r"(?:https?://|www\.)[^\s" + re.escape(URL_STOP) + "]+", re.IGNORECASE)
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


def normalize_hashtag(tag: str) -> str:
    """A hashtag a source gave as a value (``#Tag`` or ``Tag``) in the form text extraction gives."""
    return tag.lstrip("#").casefold()


def normalize_handle(handle: str) -> str:
    """An account handle as indicators store and match it: without ``@``, case-folded (not
    ``lower``, whose final-sigma rule depends on context and so has no exact SQL twin)."""
    return handle.lstrip("@").casefold()


def normalize_domain(value: str) -> str | None:
    """A domain indicator (possibly defanged) as matched against link hosts: lower-case, no
    trailing dot, no ``www.``; ``None`` when the value is a URL or path rather than a domain
    (callers then read it as a URL), empty when nothing is left."""
    host = refang(value.strip()).strip().lower().rstrip(".")
    if "://" in host or "/" in host:
        return None
    return host[4:] if host.startswith("www.") else host


def normalize_mention(handle: str) -> str:
    """A mentioned handle a source gave as a value (``@Name`` or ``Name``), as extraction gives it."""
    return handle.lstrip("@").casefold()


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


# --- Arrow twin of normalize_url / registered_domain ----------------------------------------------
#
# Why: a large file holds hundreds of thousands of distinct URLs (the IRA 2016 H2 file: ~390,000
# ``t.co`` links); normalizing each in Python dominated ingest time. Most URLs are *simple*:
# ``http(s)://host/path`` with an ASCII host, no port, user, query, fragment, brackets or
# whitespace. For those, normalization reduces to "lower-case scheme and host, drop ``www.``,
# drop a lone ``/`` path", which Arrow computes in bulk; their registered domain is looked up once
# per distinct host. Every other URL goes through the Python functions themselves.

# Path characters that urlsplit/urlunsplit and refang() leave exactly as they are.
SIMPLE_URL = (
    r"^(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
    r"(?P<path>/[A-Za-z0-9\-._~!$&'*+,;=:@/%]*)?$"
)


def normalize_many(urls: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(normalize_url, registered_domain of it)`` for each URL of a string array (nulls stay null)."""
    urls = urls.cast(pa.string())
    groups = pc.extract_regex(urls, SIMPLE_URL)
    simple = pc.fill_null(groups.is_valid(), False)
    host = pc.utf8_lower(groups.field("host"))
    host = pc.if_else(pc.starts_with(host, "www."), pc.utf8_slice_codeunits(host, 4), host)
    path = groups.field("path")
    path = pc.if_else(pc.equal(path, "/"), "", path)
    norm = pc.binary_join_element_wise(pc.utf8_lower(groups.field("scheme")), "://", host, path, "")
    hosts = pc.unique(pc.filter(host, simple))
    host_domain = pa.array([registered_domain(h) for h in hosts.to_pylist()], pa.string())
    domain = pc.take(host_domain, pc.index_in(host, value_set=hosts))

    # Only the URLs that are not simple go through Python; the rest stay in Arrow.
    norm = pc.if_else(simple, norm, pa.scalar(None, pa.string()))
    domain = pc.if_else(simple, domain, pa.scalar(None, pa.string()))
    other = pc.and_(pc.invert(simple), urls.is_valid())
    rest = urls.filter(other).to_pylist()
    if rest:
        rest_norm = [normalize_url(u) for u in rest]
        norm = pc.replace_with_mask(norm, other, pa.array(rest_norm, pa.string()))
        domain = pc.replace_with_mask(
            domain, other, pa.array([registered_domain(n) for n in rest_norm], pa.string())
        )
    return norm, domain


# --- SQL twins (DuckDB; regular expressions in RE2 syntax) -----------------------------------------
#
# Regular expressions go into the SQL as literals, not parameters: DuckDB compiles a literal regex
# once per query, a parameter one several times slower. RE2 and Python agree on ``\w`` (written
# ``[\pL\pN_]``) for every character assigned in Python's Unicode database; RE2's ``\s`` is ASCII,
# so whitespace is spelled out from :data:`WHITESPACE`.


def re2_class(chars: str) -> str:
    """The inside of an RE2 character class holding exactly ``chars`` (runs written as ranges)."""
    codes = sorted(set(map(ord, chars)))
    out, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(f"\\x{{{codes[i]:X}}}" + (f"-\\x{{{codes[j]:X}}}" if j > i else ""))
        i = j + 1
    return "".join(out)


_SQL_WS = f"[{re2_class(WHITESPACE)}]"
_SQL_URL = f"(?i)(?:https?://|www\\.)[^{re2_class(WHITESPACE + URL_STOP)}]+"
_SQL_HASHTAG = r"(?:^|[^\pL\pN_&])#([\pL\pN_]+)"
# A handle is at most 30 characters. Matching the whole run of handle characters and keeping
# its first 30 gives the same mentions as ``{1,30}`` (a longer run cannot start another
# mention), and RE2 runs it many times faster than the counted repeat of a Unicode class.
_SQL_MENTION = r"(?:^|[^\pL\pN_@])@([\pL\pN_]+)"
# ``^RT @(\w{1,30}):`` as an uncounted run (RE2 compiles a counted repeat of a Unicode class into a
# large automaton: a quarter second per query), then the run's length checked: the run ends at the
# text's first ``:``, so it is 1 to 30 characters when that ``:`` is at most at position 35.
_SQL_RT = r"^RT @[\pL\pN_]+:"


def _is_rt_sql(text: str, matches: str) -> str:
    return f"({matches} AND instr({text}, ':') <= 35)"


@cache
def _casefold_table() -> tuple[str, tuple[tuple[str, str], ...]]:
    """(every character whose ``casefold`` differs from its ``lower``, and (character, casefold)
    for each lower-case one of them). These are few (German sharp s, Greek final sigma, ligatures,
    Cherokee...). DuckDB's ``lower`` equals Python's on every character except U+0130 (capital I
    with dot), which is listed too and replaced before lower-casing."""
    special, fixes = [chr(0x130)], []
    for code in range(0x110000):
        c = chr(code)
        folded = c.casefold()
        if folded != c.lower():
            special.append(c)
            if c.lower() == c:
                fixes.append((c, folded))
    return "".join(special), tuple(fixes)


def needs_casefold_sql(raw: str) -> str:
    """SQL: true where ``raw`` holds a character for which ``lower`` is not ``casefold``. Texts
    only lose characters on the way to their normalized form, so testing the raw text suffices."""
    return f"regexp_matches({raw}, {literal('[' + re2_class(_casefold_table()[0]) + ']')})"


def _casefold_chain_sql(expr: str) -> str:
    """``lower``, then one ``translate`` for the characters that fold to one other character and
    a ``replace`` for each of the few that fold to several (sharp s -> ss, ligatures...)."""
    fixes = _casefold_table()[1]
    one = [(c, f) for c, f in fixes if len(f) == 1]
    out = f"lower(replace({expr}, {literal(chr(0x130))}, {literal(chr(0x130).casefold())}))"
    out = f"translate({out}, {literal(''.join(c for c, _ in one))}, {literal(''.join(f for _, f in one))})"
    for c, folded in fixes:
        if len(folded) > 1:
            out = f"replace({out}, {literal(c)}, {literal(folded)})"
    return out


def casefold_sql(expr: str) -> str:
    """SQL twin of ``str.casefold`` (``expr`` is evaluated up to twice: pass a column or a lambda
    variable): ``lower``, and in the rare values that need it, the few replacements beyond it."""
    return f"CASE WHEN {needs_casefold_sql(expr)} THEN {_casefold_chain_sql(expr)} ELSE lower({expr}) END"


def urls_sql(text: str) -> str:
    """SQL twin of :func:`extract_urls` (raw URLs of a text column, trailing punctuation cut)."""
    return (f"list_transform(regexp_extract_all(coalesce({text}, ''), {literal(_SQL_URL)}), "
            f"u -> rtrim(u, {literal(_TRAILING)}))")


def hashtags_sql(text: str) -> str:
    """SQL twin of :func:`extract_hashtags` (the regex runs only on texts holding a ``#``)."""
    return (f"CASE WHEN NOT contains(coalesce({text}, ''), '#') THEN []::VARCHAR[] "
            f"ELSE list_transform(regexp_extract_all({text}, {literal(_SQL_HASHTAG)}, 1), h -> {casefold_sql('h')}) END")


def mentions_sql(text: str) -> str:
    """SQL twin of :func:`extract_mentions` (the regex runs only on texts holding an ``@``)."""
    return (f"CASE WHEN NOT contains(coalesce({text}, ''), '@') THEN []::VARCHAR[] "
            f"ELSE list_transform(regexp_extract_all({text}, {literal(_SQL_MENTION)}, 1), "
            f"m -> {casefold_sql('left(m, 30)')}) END")


def retweeted_handle_sql(text: str) -> str:
    """SQL twin of :func:`retweeted_handle`."""
    is_rt = _is_rt_sql(text, f"regexp_matches({text}, {literal(_SQL_RT)})")
    return (f"CASE WHEN NOT starts_with(coalesce({text}, ''), 'RT @') THEN NULL "
            f"WHEN {is_rt} THEN substr({text}, 5, instr({text}, ':') - 5) END")


def handle_sql(handle: str) -> str:
    """SQL twin of :func:`normalize_handle`."""
    return casefold_sql(f"ltrim({handle}, '@')")


def hashtag_list_sql(tags: str) -> str:
    """SQL twin of :func:`normalize_hashtag` over a list column."""
    return f"list_transform({tags}, h -> {casefold_sql('ltrim(h, ' + literal('#') + ')')})"


def mention_list_sql(handles: str) -> str:
    """SQL twin of :func:`normalize_mention` over a list column."""
    return f"list_transform({handles}, m -> {casefold_sql('ltrim(m, ' + literal('@') + ')')})"


#: Texts that need more than case folding and trimming: a URL, a retweet prefix, or whitespace
#: other than single spaces.
_NEEDS_REGEX = (f"(?i)https?://|www\\.|^RT @|{_SQL_WS}{_SQL_WS}|"
                f"[{re2_class(WHITESPACE.replace(' ', ''))}]")


def normalized_text_sql(engine: Engine, column: str) -> str:
    """SQL twin of :func:`normalize_text` over a text column, for the trace engines. The regular
    expressions run only on texts that need them (a fifth of the texts on the synthetic
    benchmark): one match test is much cheaper than three replacements."""
    is_rt = _is_rt_sql(column, engine.matches(column, _SQL_RT))
    no_rt = f"CASE WHEN {is_rt} THEN substr({column}, instr({column}, ':') + 1) ELSE {column} END"
    no_url = engine.replace_all(no_rt, _SQL_URL, " ")
    collapsed = engine.replace_all(no_url, f"{_SQL_WS}+", " ")
    return (f"CASE WHEN {needs_casefold_sql(column)} THEN trim({_casefold_chain_sql(collapsed)}) "
            f"WHEN {engine.matches(column, _NEEDS_REGEX)} THEN trim(lower({collapsed})) "
            f"ELSE trim(lower({column})) END")


_ASCII_WS = "".join(c for c in WHITESPACE if c < "\x80")
_ASCII_URL_STOP = "".join(c for c in URL_STOP if c < "\x80")
_ASCII_URL = f"(?i)(?:https?://|www\\.)[^{re2_class(_ASCII_WS + _ASCII_URL_STOP)}]+"
_ASCII_WS_RUN = f"[{re2_class(_ASCII_WS)}]+"
_WS_CHECK = " OR ".join(["contains(t2, '  ')"] + [f"contains(t2, chr({ord(c)}))" for c in _ASCII_WS if c != " "])


def ascii_fingerprints(source: str, keep: str = "") -> str:
    """SQL twin of :func:`text_fingerprint` for ASCII texts: a query over ``source`` (a relation with a
    ``text`` column, plus the columns named in ``keep``) giving those columns and ``fp`` for the rows
    whose text is ASCII (ASCII lower-casing equals ``casefold`` there); other texts are fingerprinted
    in Python, once per distinct text. Each step is a nested projection so DuckDB runs it once, and
    the regexes run only on rows that need them (no URL, no doubled or special whitespace, no
    ``RT @``: no regex), which halves the cost."""
    k = f"{keep}, " if keep else ""
    return f"""SELECT {k}sha256(trim(CASE WHEN {_WS_CHECK}
                                       THEN regexp_replace(t2, {literal(_ASCII_WS_RUN)}, ' ', 'g')
                                       ELSE t2 END)) AS fp FROM (
      SELECT {k}lower(CASE WHEN contains(l1, '://') OR contains(l1, 'www.')
                          THEN regexp_replace(t1, {literal(_ASCII_URL)}, ' ', 'g') ELSE t1 END) AS t2 FROM (
        SELECT {k}t1, lower(t1) AS l1 FROM (
          SELECT {k}CASE WHEN starts_with(text, 'RT @')
                        THEN regexp_replace(text, '^RT @[A-Za-z0-9_]{{1,30}}:', '') ELSE text END AS t1
          FROM {source} WHERE strlen(text) = length(text))))"""
