"""The adapter contract, and helpers every adapter shares.

An adapter only normalizes: it turns one source file into :class:`~lockstep.model.Post`,
:class:`~lockstep.model.Account` and :class:`~lockstep.model.Quarantined` records (or, for speed,
Arrow tables whose columns are a subset of ``POST_SCHEMA`` / ``ACCOUNT_SCHEMA``). It makes no
judgement and never drops a record silently: what it cannot read, it yields as ``Quarantined``.

Adapters are found by content, not only by file name: each class has a ``sniff`` classmethod that
looks at the first bytes (decompressed) and the name, and answers how sure it is (0 to 1).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, Protocol, runtime_checkable

import pyarrow as pa

from lockstep.errors import SourceError
from lockstep.ingest import guard
from lockstep.ingest.guard import Limits
from lockstep.model import Account, Post, Quarantined

Record = Post | Account | Quarantined

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class TableBatch:
    """A columnar batch of posts or accounts (columns named as in ``model.py``)."""

    kind: str  # "posts" or "accounts"
    table: pa.Table


#: What ``read`` yields: single records, or Arrow tables tagged with what they hold.
Item = Record | TableBatch


@dataclass(frozen=True)
class ReadOptions:
    """What the user said about the input beyond its path."""

    platform: str | None = None
    #: ``--map`` pairs: Lockstep field -> source column/key.
    mapping: dict[str, str] = field(default_factory=dict)
    #: Bounds on one record and on decompression (settings ``max_record_bytes``, ``max_expansion_ratio``).
    limits: Limits = field(default_factory=Limits)


@runtime_checkable
class Adapter(Protocol):
    """One source format. ``name`` is a permanent key (``--format NAME``)."""

    name: ClassVar[str]
    #: One line for ``lockstep formats`` and the docs.
    description: ClassVar[str]

    def __init__(self, *, path: Path, options: ReadOptions) -> None: ...

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> float:
        """How sure (0..1) this adapter is that ``path`` is its format, from its first bytes."""
        ...

    def read(self) -> Iterator[Item]:
        """Yield normalized records; unreadable ones as ``Quarantined``."""
        ...


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading, decompressing ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` by content.

    A compressed file is read through :class:`~lockstep.ingest.guard.ExpansionGuard`, which stops
    it when it expands more than the ``max_expansion_ratio`` setting allows."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise SourceError(f"Cannot read '{path}': {exc.strerror or exc}.") from exc
    magic = raw.read(6)
    raw.seek(0)
    inner: IO[bytes]
    if magic[:2] == b"\x1f\x8b":
        inner = gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
    elif magic[:3] == b"BZh":
        inner = bz2.BZ2File(raw)  # type: ignore[assignment]
    elif magic[:6] == b"\xfd7zXZ\x00":
        inner = lzma.LZMAFile(raw)  # type: ignore[assignment]  # noqa: SIM115
    elif magic[:4] == b"\x28\xb5\x2f\xfd":
        import zstandard

        # Reddit dumps use a long window; allow it.
        dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
        inner = dctx.stream_reader(raw, read_across_frames=True)  # type: ignore[assignment]
    else:
        return raw
    stream = guard.ExpansionGuard(inner, raw, path=path, ratio=guard.limits().max_expansion_ratio)
    return io.BufferedReader(stream, buffer_size=1 << 20)  # type: ignore[return-value]


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` decompressed bytes of a file (empty if it cannot be decompressed)."""
    try:
        with open_binary(path) as fh:
            return fh.read(size)
    except (OSError, EOFError, ValueError, SourceError):
        return b""
    except Exception:  # zstandard raises its own error type on a corrupt frame
        return b""


def open_text(path: Path) -> io.TextIOWrapper:
    """Text view of a (possibly compressed) file: UTF-8, BOM stripped, undecodable bytes kept
    as U+FFFD so one bad byte quarantines a record instead of failing the whole file."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors="replace", newline="")


def base_name(path: Path) -> str:
    """File name without compression suffixes, lower-cased, for name-based hints."""
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".zst"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name
