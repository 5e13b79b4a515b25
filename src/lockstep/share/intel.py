"""Import partners' indicators: STIX 2.1 bundles and Meta-style CSV/JSON files.

Every indicator is stored as one row per observable it names, normalized the way matching compares
(``patterns.normalize``), with where it came from (file, line, producer, TLP, the networks or
campaigns it indicates). What cannot be used goes to ``intel_quarantine`` with the reason.
Importing the same file twice adds nothing (rows are keyed on indicator id, type and value).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from lockstep.errors import LockstepError, SourceError
from lockstep.share import meta, tables, tlp
from lockstep.share.ids import stix_id
from lockstep.share.patterns import PatternError, observables
from lockstep.store import Store

log = logging.getLogger(__name__)

_COLS = ["indicator_id", "type", "value", "platform", "pattern", "name", "source_file", "source_line",
         "producer", "producer_ref", "labels", "networks", "tlp", "valid_from"]
_SCHEMA = pa.schema([
    ("indicator_id", pa.string()), ("type", pa.string()), ("value", pa.string()), ("platform", pa.string()),
    ("pattern", pa.string()), ("name", pa.string()), ("source_file", pa.string()), ("source_line", pa.int64()),
    ("producer", pa.string()), ("producer_ref", pa.string()), ("labels", pa.list_(pa.string())),
    ("networks", pa.list_(pa.string())), ("tlp", pa.string()), ("valid_from", pa.timestamp("us"))])


@dataclass
class ImportSummary:
    """What one import read, stored and refused."""

    source: str
    format: str
    producer: str | None
    records: int = 0
    indicators: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    blank: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Batch:
    def __init__(self, summary: ImportSummary) -> None:
        self.rows: list[dict[str, Any]] = []
        self.quarantine: list[dict[str, Any]] = []
        self.summary = summary

    def add(self, **row: Any) -> None:
        self.rows.append(row)
        self.summary.by_type[row["type"]] = self.summary.by_type.get(row["type"], 0) + 1

    def refuse(self, source: str, line: int | None, raw: str, reason: str, producer: str | None) -> None:
        raw = (raw or "")[:2000].encode("utf-8", "backslashreplace").decode("utf-8")  # no lone surrogates
        self.quarantine.append({"source_file": source, "line": line, "raw": raw,
                                "reason": reason, "producer": producer})
        key = reason.split(" (")[0]
        self.summary.reasons[key] = self.summary.reasons.get(key, 0) + 1

    def commit(self, store: Store, source: str) -> ImportSummary:
        s = self.summary
        s.indicators = len(self.rows)
        s.quarantined = len(self.quarantine)
        with store.transaction() as con:
            before = store.scalar("SELECT count(*) FROM indicators")
            if self.rows:
                table = pa.Table.from_pylist([{c: r.get(c) for c in _COLS} for r in self.rows], schema=_SCHEMA)
                con.register("_intel_rows", table)
                con.execute(f"INSERT OR IGNORE INTO indicators ({', '.join(_COLS)}) "
                            f"SELECT DISTINCT ON (indicator_id, type, value) {', '.join(_COLS)} FROM _intel_rows")
                con.unregister("_intel_rows")
            s.stored = int(store.scalar("SELECT count(*) FROM indicators") - before)
            s.duplicates = s.indicators - s.stored
            con.execute("DELETE FROM intel_quarantine WHERE source_file = ?", [source])
            if self.quarantine:
                con.register("_intel_q", pa.Table.from_pylist(self.quarantine))
                con.execute("INSERT INTO intel_quarantine (source_file, line, raw, reason, producer) "
                            "SELECT source_file, line, raw, reason, producer FROM _intel_q")
                con.unregister("_intel_q")
        return s


class _NonFinite:
    """Stands in for NaN/Infinity while JSON is parsed (:func:`loads`), so that only the object
    holding one is set aside instead of the whole file or page."""

    def __repr__(self) -> str:
        return "NaN"


NONFINITE = _NonFinite()


def loads(text: str | bytes) -> Any:
    """JSON as partners send it: ``NaN``/``Infinity`` (not JSON, but Python writes them) are read as
    :data:`NONFINITE`, which :func:`unreadable` then reports for the object holding them."""
    return json.loads(text, parse_constant=lambda _: NONFINITE)


def _holds_nonfinite(obj: Any) -> bool:
    stack = [obj]
    while stack:
        v = stack.pop()
        if v is NONFINITE:
            return True
        if isinstance(v, dict):
            stack += v.values()
        elif isinstance(v, list):
            stack += v
    return False


def _holds_surrogate(obj: Any) -> bool:
    """Whether a string in ``obj`` holds a lone UTF-16 surrogate (legal in a JSON escape, but not
    text: the store cannot hold it)."""
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack += v.values()
            stack += v.keys()
        elif isinstance(v, list):
            stack += v
    return False


def unreadable(obj: Any) -> str | None:
    """Why a STIX object cannot be used at all (None when it can): not a JSON object, NaN or
    Infinity inside, no STIX type or id."""
    if not isinstance(obj, dict):
        return f"not a JSON object but {type(obj).__name__}"
    if _holds_nonfinite(obj):
        return "holds NaN or Infinity, which JSON does not allow"
    if _holds_surrogate(obj):
        return "holds text that is not valid Unicode (a lone UTF-16 surrogate escape)"
    otype, oid = obj.get("type"), obj.get("id")
    if not isinstance(otype, str) or not otype:
        return f"no STIX 'type' (got {str(otype)[:80]!r})"
    if not isinstance(oid, str) or not oid.startswith(otype + "--"):
        return f"'id' is not '{otype}--<uuid>' (got {str(oid)[:80]!r})"
    return None


def import_bundle(store: Store, bundle: dict[str, Any], producer: str | None = None, *,
                  source: str = "<bundle>") -> ImportSummary:
    """Import the indicators of a STIX 2.1 bundle (a dict). ``producer`` defaults to the name of the
    identity that created the indicators.

    One unreadable object never stops the import: it is quarantined with the reason, object by
    object, and the rest is imported (an object that is not a JSON object, holds NaN or has no
    type or id; a malformed indicator; a marking-definition naming an unknown TLP level, whose
    objects then count as TLP:RED)."""
    tables.ensure(store)
    given = bundle.get("objects") if isinstance(bundle, dict) else None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle" or not isinstance(given, list):
        raise SourceError(f"'{source}' is not a STIX 2.1 bundle: expected {{\"type\": \"bundle\", \"objects\": [...]}}.")
    summary = ImportSummary(source=source, format="stix", producer=producer)
    batch = _Batch(summary)
    objects: list[Any] = []
    for i, o in enumerate(given, 1):
        why = unreadable(o)
        if why is None:
            objects.append(o)
        else:
            summary.records += 1
            batch.refuse(source, i, _raw(o), why, producer)
            objects.append(None)  # keeps positions (source lines) of the rest
    by_id: dict[str, dict[str, Any]] = {o["id"]: o for o in objects if isinstance(o, dict) and isinstance(o.get("id"), str)}
    markings: dict[str, dict[str, Any]] = {}
    for i, o in enumerate(objects, 1):
        if isinstance(o, dict) and o.get("type") == "marking-definition" and isinstance(o.get("id"), str):
            try:
                tlp.check_markings(o)
            except tlp.MarkingError as exc:  # left out: the objects it marks classify as RED
                summary.records += 1
                batch.refuse(source, i, _raw(o), f"marking-definition not readable as TLP ({exc}); the objects "
                             "it marks are treated as TLP:RED", producer)
                continue
            markings[o["id"]] = o
    names: dict[str, list[str]] = {}
    for o in objects:
        if isinstance(o, dict) and o.get("type") == "relationship" and o.get("relationship_type") == "indicates":
            target = by_id.get(str(o.get("target_ref")), {})
            name = target.get("name") or o.get("target_ref")
            if isinstance(o.get("source_ref"), str) and isinstance(name, str):
                names.setdefault(o["source_ref"], []).append(name)
    for i, o in enumerate(objects, 1):
        if not isinstance(o, dict) or o.get("type") != "indicator":
            continue
        summary.records += 1
        creator = by_id.get(str(o.get("created_by_ref")), {}).get("name")
        who = producer or (creator if isinstance(creator, str) else None) or None
        try:
            rows = _indicator_rows(o, markings, names, source=source, line=i, who=who)
        except _Unreadable as exc:
            batch.refuse(source, i, exc.raw, exc.reason, who)
            continue
        except (LockstepError, TypeError, ValueError, AttributeError, KeyError) as exc:
            batch.refuse(source, i, _raw(o), f"malformed indicator ({type(exc).__name__}: {str(exc)[:200]})", who)
            continue
        for row in rows:
            batch.add(**row)
    return batch.commit(store, source)


class _Unreadable(Exception):
    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(reason)
        self.raw, self.reason = raw, reason


def _raw(o: Any) -> str:
    return json.dumps(o, ensure_ascii=False, default=repr)[:2000]


def _indicator_rows(o: dict[str, Any], markings: dict[str, dict[str, Any]], names: dict[str, list[str]], *,
                    source: str, line: int, who: str | None) -> list[dict[str, Any]]:
    """The rows of one indicator, or an exception saying why it cannot be used."""
    iid = o.get("id")
    if not isinstance(iid, str) or not iid.startswith("indicator--"):
        raise _Unreadable(_raw(o), f"indicator without a usable id ({str(iid)[:80]!r})")
    pattern = o.get("pattern", "")
    if o.get("pattern_type", "stix") != "stix":
        raise _Unreadable(str(pattern), f"pattern type {o.get('pattern_type')!r} is not STIX")
    if not isinstance(pattern, str):
        raise _Unreadable(_raw(o), f"pattern is {type(pattern).__name__}, not text")
    labels_in = o.get("labels") or []
    if not isinstance(labels_in, list):
        raise _Unreadable(_raw(o), f"labels is {type(labels_in).__name__}, not a list")
    labels = [str(x) for x in labels_in]
    text_fp = "x_lockstep_fingerprint" in o or "text_fingerprint" in labels
    try:
        found = observables(pattern, text_fingerprint=text_fp)
    except PatternError as exc:
        raise _Unreadable(pattern, f"pattern {exc}") from exc
    level = tlp.classify(o, markings)
    name = o.get("name")
    ref = o.get("created_by_ref")
    return [dict(indicator_id=iid, type=ob.type, value=ob.value, platform=ob.platform, pattern=pattern,
                 name=name if isinstance(name, str) else None, source_file=source, source_line=line, producer=who,
                 producer_ref=ref if isinstance(ref, str) else None, labels=labels,
                 networks=sorted(set(names.get(iid, []))), tlp=level, valid_from=_time(o.get("valid_from")))
            for ob in found]


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def import_meta(store: Store, path: Path, producer: str | None = "Meta") -> ImportSummary:
    """Import one Meta-style CSV/JSON indicator file."""
    tables.ensure(store)
    source = str(path)
    summary = ImportSummary(source=source, format="meta", producer=producer)
    batch = _Batch(summary)
    network = path.stem.strip()
    for row in meta.read(path):
        summary.records += 1
        if row.reason or not row.type or not row.value:
            batch.refuse(source, row.line, row.raw, row.reason or "no value", producer)
            continue
        iid = stix_id("indicator", "meta-style", path.name.strip(), row.type, row.value)
        common = dict(indicator_id=iid, source_file=source, source_line=row.line, producer=producer,
                      producer_ref=None, labels=[row.label] if row.label else [], networks=[network],
                      tlp="clear", valid_from=None, name=row.label)
        batch.add(type=row.type, value=row.value, platform=None, pattern=None, **common)
        if row.type == "url":
            acct = meta.profile_account(row.value)
            if acct:
                batch.add(type="account", value=acct[1], platform=acct[0], pattern=None, **common)
    summary.blank = _blank_rows(path, summary.records)
    return batch.commit(store, source)


def _blank_rows(path: Path, records: int) -> int:
    if path.suffix.lower() == ".json":
        return 0
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig", errors="replace"))))
    return max(0, len(rows) - 1 - records)


def import_file(store: Store, path: Path, producer: str | None = None) -> ImportSummary:
    """Import a STIX bundle or a Meta-style CSV/JSON file, told apart by content."""
    if not path.is_file():
        raise SourceError(f"No such file: '{path}'.")
    head = path.read_bytes()[:4096].decode("utf-8", "replace")
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            bundle = loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise SourceError(f"'{path}' is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.") from exc
        except RecursionError:
            raise SourceError(f"'{path}' is JSON nested too deeply to read; expected a STIX 2.1 bundle.") from None
        return import_bundle(store, bundle, producer, source=str(path))
    if meta.is_meta(path, head):
        return import_meta(store, path, producer or "Meta")
    raise SourceError(
        f"Cannot tell what '{path}' is. 'lockstep intel import' reads STIX 2.1 bundles (JSON) and Meta-style "
        "indicator files (CSV/JSON with indicator_type,indicator_value or Tactic,...,Indicator columns).")
