"""Data on its way into a renderer: the one place where untrusted text is made inert.

Everything Lockstep publishes holds text its subjects wrote (handles, display names, client-app
names, post texts, URLs). Each renderer has characters that turn text into instructions:

- spreadsheets run a CSV cell as a formula when it starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return (OWASP "CSV Injection"); :func:`csv_cell` prefixes such cells with ``'`` so the
  spreadsheet shows them as text (the csv module then quotes separators and double quotes);
- matplotlib reads text between two ``$`` as mathtext (``$\\evilmacro$`` stopped the whole report);
  :func:`chart_text` escapes every ``$`` (matplotlib shows ``\\$`` as a plain ``$`` and leaves
  other backslashes alone), so the label is drawn exactly as written;
- HTML goes through Jinja2 with autoescape (see ``report.html``; nothing but our own SVG is marked
  ``|safe``) and GEXF through networkx's XML writer, which escape ``<&"``; neither drops characters
  XML 1.0 forbids (NUL, most C0 controls), which make the whole file unreadable, so
  :func:`xml_text` replaces those with U+FFFD first.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

#: Characters XML 1.0 does not allow anywhere in a document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV Injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV cell, safe to open in a spreadsheet: lists joined with ``;``, datetimes in ISO 8601
    (``Z`` when naive UTC), text that would start a formula prefixed with ``'``. Numbers stay
    numbers (a negative number is data, not a formula)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, (list, tuple)):
        value = ";".join("" if v is None else str(csv_cell(v)) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(fh: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows through :func:`csv_cell`; returns the number of rows written.

    Rows end in CRLF (RFC 4180), which also makes the csv module quote a cell holding a lone
    carriage return (with bare LF line ends it would not, and the cell would split the row)."""
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in header])
    n = 0
    for r in rows:
        w.writerow([csv_cell(v) for v in r])
        n += 1
    return n


def chart_text(text: Any, limit: int | None = None) -> str:
    """Text for a matplotlib label, tick or legend, shown literally (no mathtext, never hidden)."""
    s = str(text)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def xml_text(text: Any) -> str:
    """Text for an XML attribute or element: characters XML 1.0 forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(text))
