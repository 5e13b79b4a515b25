"""Hostile inputs for fuzzing every ingest adapter and ``lockstep intel import``.

Why here and not in a test: the CI fuzz test (hypothesis, a few thousand inputs) and
``bench/fuzz.py`` (a million and more) must throw the same kinds of input, and plug-in authors can
run their adapters through it too.

A generated file holds many records (each record is one *input*), built from template records of
the real formats (so the adapters get past recognition into their deep code) by mutations that a
broken tool or an attacker produces: a field replaced by a value of another type, JSON nested
thousands deep, lone UTF-16 surrogates, NaN, huge numbers, ids in scientific notation, dates that
are not dates, strings with NUL or invalid UTF-8 bytes, truncated lines, extra or missing cells,
unbalanced quotes.

A *crash* is an exception escaping an adapter or the importer other than Lockstep's own clear
user errors (:class:`~lockstep.errors.LockstepError`); :func:`run_adapter` and :func:`run_intel`
return it instead of raising, so a fuzz loop can count and show them.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tempfile
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockstep.errors import LockstepError

_DEEP = 1500


def scalar(rng: random.Random) -> Any:
    """One hostile JSON value (the mutation that replaces a field)."""
    k = rng.randrange(22)
    if k == 0:
        return None
    if k == 1:
        return ""
    if k == 2:
        return rng.choice([True, False])
    if k == 3:
        return rng.choice([0, -1, 2**63, -(2**63) - 1, 10**30, 1e308, -1e-308, 1.5])
    if k == 4:
        return rng.choice(["7.94976E+17", "1.6E+18", "9.06e17", "1,234", "12.0", "0x1F", "-0"])
    if k == 5:
        return rng.choice(["2021-02-30T25:00:00Z", "0000-00-00", "9999-99-99 99:99", "1e30", "2021-01-01T00:00:00+99:00",
                           "yesterday", "2016-07-01 00:00 XYZT", "-62135596800", "1e12", "2021-01-01T00:00:00Z"])
    if k == 6:
        return [scalar(rng) for _ in range(rng.randrange(4))]
    if k == 7:
        return {rng.choice(["id", "text", "url", "tag", "username", "type", ""]): scalar(rng) for _ in range(rng.randrange(3))}
    if k == 8:
        return "x" * rng.choice([1000, 20_000, 70_000])
    if k == 9:
        return "a\x00b"
    if k == 10:
        return "#tag @user https://example.com/p?x=1 " * rng.randrange(1, 4)
    if k == 11:
        return rng.choice(["=cmd|' /C calc'!A0", "$\\evil$", "<script>", "'; DROP TABLE posts; --", "\u202e\ufeff"])
    if k == 12:
        return rng.choice(["RT @someone: x", "RT @:", "@" * 40, "#" * 40, "http://", "https://[::1", "www."])
    if k == 13:
        return str(rng.getrandbits(64))
    if k == 14:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 20)))
    if k == 15:
        return {"$type": rng.choice(["app.bsky.feed.post", "app.bsky.feed.repost", "x"]), "text": scalar(rng)}
    if k == 16:
        return rng.choice(["NaN", "Infinity", "nan", "None", "null"])
    if k == 17:
        return [[[]]] * rng.randrange(3)
    if k == 18:
        return rng.choice(["did:plc:x", "at://did:plc:x/app.bsky.feed.post/1", "t3_", "t1_abc", "user111"])
    if k == 19:
        return rng.randrange(-10, 10**10)
    if k == 20:
        return rng.choice(["[]", "[a, b]", "['x','y']", "[{\"tag\": 1}]", "[", "a;b;c"])
    return "plain text"


def mutate(record: Any, rng: random.Random, depth: int = 0) -> Any:
    """A copy of a template record with a few fields dropped, replaced or added."""
    if isinstance(record, dict):
        out = dict(record)
        for key in list(out):
            r = rng.random()
            if r < 0.06:
                del out[key]
            elif r < 0.16:
                out[key] = scalar(rng)
            elif r < 0.3 and depth < 4:
                out[key] = mutate(out[key], rng, depth + 1)
        if rng.random() < 0.1:
            out[rng.choice(["extra", "data", "includes", "entities", "author", "record", "commit"])] = scalar(rng)
        return out
    if isinstance(record, list):
        items = [mutate(x, rng, depth + 1) if rng.random() < 0.3 else x for x in record]
        if items and rng.random() < 0.2:
            items[rng.randrange(len(items))] = scalar(rng)
        return items
    return scalar(rng) if rng.random() < 0.3 else record


def json_line(template: Any, rng: random.Random) -> str:
    """One JSONL line: a mutated template, sometimes with text-level damage JSON cannot say."""
    r = rng.random()
    if r < 0.03:
        return "[" * _DEEP + "]" * _DEEP
    if r < 0.05:
        return json.dumps(scalar(rng))
    line = json.dumps(mutate(template, rng))
    r = rng.random()
    if r < 0.03:
        return line.replace('"text": "', '"text": "\\ud800', 1).replace('"body": "', '"body": "\\udfff', 1)
    if r < 0.05:
        return line[: rng.randrange(len(line) + 1)]  # truncated
    if r < 0.07:
        return line.replace("1", "NaN", 1)
    if r < 0.09:
        at = line.find(": ") + 2 if ": " in line else 0
        return line[:at] + "[" * _DEEP + "]" * _DEEP + ", " + line[at:] if at else line
    return line


def csv_row(header: list[str], template: list[str], rng: random.Random) -> str:
    """One CSV row: template cells with some replaced, plus row-level damage now and then."""
    cells = []
    for cell in template:
        if rng.random() < 0.15:
            v = scalar(rng)
            cell = v if isinstance(v, str) else json.dumps(v)[:3000]
        cells.append(cell)
    r = rng.random()
    if r < 0.03:
        cells.append("surplus")
    elif r < 0.05 and cells:
        cells.pop()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    line = buf.getvalue()
    r = rng.random()
    if r < 0.02:
        return line + ',"unterminated'
    if r < 0.04:
        return line.replace(",", ',"\n', 1)
    return line


@dataclass(frozen=True)
class Template:
    """A real record of one format: ``kind`` is ``jsonl``, ``array``, ``telegram`` or ``csv``."""

    kind: str
    records: list[Any]
    header: list[str] | None = None


def write_file(path: Path, template: Template, n: int, rng: random.Random) -> int:
    """Write ``n`` hostile records built from ``template``; a few files get file-level damage
    (invalid UTF-8 bytes, a BOM, CR line ends). Returns ``n``."""
    pick = template.records
    if template.kind == "csv":
        assert template.header is not None
        lines = [",".join(template.header)] + [csv_row(template.header, rng.choice(pick), rng) for _ in range(n)]
        text = "\n".join(lines) + "\n"
    elif template.kind == "jsonl":
        text = "\n".join(json_line(rng.choice(pick), rng) for _ in range(n)) + "\n"
    elif template.kind == "array":
        text = "[" + ",\n".join(json_line(rng.choice(pick), rng) for _ in range(n)) + "]"
    else:  # telegram: one chat holding the messages
        body = ",\n".join(json_line(rng.choice(pick), rng) for _ in range(n))
        text = '{"name": "Chat", "type": "public_channel", "id": 1, "messages": [' + body + "]}"
    data = text.encode("utf-8", "surrogatepass")
    r = rng.random()
    if r < 0.1:
        at = rng.randrange(len(data) + 1)
        data = data[:at] + b"\xff\xfe\xc3(" + data[at:]
    elif r < 0.15:
        data = b"\xef\xbb\xbf" + data
    elif r < 0.2:
        data = data.replace(b"\n", b"\r\n")
    path.write_bytes(data)
    return n


def load_templates(data: Path) -> dict[str, Template]:
    """Template records of each format, from the example files under ``data`` (``tests/data``)."""

    def jsonl(p: Path) -> list[Any]:
        out = []
        for line in p.read_bytes().decode("utf-8", "replace").splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue  # the example files hold broken lines of their own
            if isinstance(value, dict):
                out.append(value)
        return out

    def table(p: Path) -> Template:
        rows = list(csv.reader(io.StringIO(p.read_bytes().decode("utf-8", "replace"))))
        width = len(rows[0])
        return Template("csv", [r for r in rows[1:] if len(r) == width] or [[""] * width], rows[0])

    out: dict[str, Template] = {}
    for name in ("twarc2_flat", "twarc2_raw", "table"):
        out[name] = Template("jsonl", jsonl(data / "ingest" / f"{name}.jsonl"))
    out["bluesky"] = Template("jsonl", jsonl(data / "bluesky_posts.jsonl"))
    out["reddit"] = Template("jsonl", jsonl(data / "reddit_dump.ndjson"))
    out["mastodon"] = Template("array", json.loads((data / "mastodon_statuses.json").read_text(encoding="utf-8")))
    tg = json.loads((data / "telegram_full_export.json").read_text(encoding="utf-8"))
    out["telegram"] = Template("telegram", [m for c in tg["chats"]["list"] for m in c["messages"]])
    for name in ("io_tweets", "io_users", "ira_2016h2", "ira_538", "twarc", "crowdtangle_fb", "cosharing_objects",
                 "cosharing_posts", "table"):
        out[f"{name}_csv"] = table(data / "ingest" / f"{name}.csv")
    return out


#: ``--map`` for the ``table`` adapter over the table templates (JSONL and CSV columns).
TABLE_MAPS = [
    {"account_id": "user.id", "time": "created", "text": "body", "hashtags": "tags"},
    {"account_id": "user", "time": "created", "text": "message", "post_id": "msg_id", "urls": "Link List",
     "platform": "plat"},
]


@dataclass
class Crash:
    """An exception that escaped an adapter or the importer."""

    target: str
    path: str
    error: str
    trace: str


def _crash(target: str, path: Path, exc: BaseException) -> Crash:
    return Crash(target, str(path), f"{type(exc).__name__}: {str(exc)[:300]}",
                 "".join(traceback.format_exception(exc))[-3000:])


def run_adapter(name: str, cls: Any, path: Path, options: Any) -> tuple[int, Crash | None]:
    """Read ``path`` with one adapter: ``(items yielded, crash or None)``. A refusal
    (``SourceError``, ``ConfigError``) is not a crash."""
    n = 0
    try:
        for _ in cls(path=path, options=options).read():
            n += 1
    except LockstepError:
        return n, None
    except Exception as exc:
        return n, _crash(name, path, exc)
    return n, None


def run_each(paths: Iterable[Path], step: Callable[[Path], Crash | None]) -> list[Crash]:
    return [c for p in paths if (c := step(p)) is not None]


def bundle_text(rng: random.Random, n: int) -> str:
    """A STIX bundle of ``n`` mutated indicators (and a few other objects) for ``intel import``."""
    base = {"type": "indicator", "spec_version": "2.1", "id": "indicator--1b4f0c6d-2a7e-4e0c-9d54-4f3f0a3b6a11",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
            "pattern": "[domain-name:value = 'example.com']", "labels": ["malicious-activity"],
            "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}
    patterns = ["[url:value = 'https://ex.com/a']", "[user-account:account_login = 'bob' AND "
                "user-account:account_type = 'twitter']", "[domain-name:value = ", "[x-lockstep-text:fingerprint = 'ab']",
                "[" * 300 + "]" * 300, "[domain-name:value = 'a\\'b']", "[ipv4-addr:value = '1.2.3.4']"]
    objs = []
    for i in range(n):
        o = mutate({**base, "id": f"indicator--{i:08x}-2a7e-4e0c-9d54-4f3f0a3b6a11",
                    "pattern": rng.choice(patterns)}, rng)
        objs.append(json.dumps(o))
    objs.append(json.dumps({"type": "marking-definition", "id": "marking-definition--x", "definition_type": "tlp",
                            "name": scalar(rng), "definition": scalar(rng)}))
    objs.append(json.dumps({"type": "relationship", "source_ref": scalar(rng), "target_ref": scalar(rng)}))
    text = '{"type": "bundle", "id": "bundle--1", "objects": [' + ",\n".join(objs) + "]}"
    r = rng.random()
    if r < 0.05:
        text = text.replace('"pattern": "', '"pattern": "\\ud800', 1)
    elif r < 0.08:
        text = '{"type": "bundle", "objects": ' + "[" * _DEEP + "]" * _DEEP + "}"
    elif r < 0.1:
        text = text.replace("[", "{", 1)
    return text


def meta_text(rng: random.Random, n: int) -> str:
    """A Meta-style indicator CSV of ``n`` mutated rows."""
    rows = [["indicator_type", "indicator_value", "label"]]
    for _ in range(n):
        t = rng.choice(["domain", "url", "ip", "email", "x", "", "7.94976E+17"])
        v = rng.choice(["example[.]com", "hxxps://ex[.]com/a", "https://facebook.com/profile.php?id=1", "", "1.2.3.4"])
        cell = scalar(rng)
        rows.append([t, v if rng.random() < 0.8 else (cell if isinstance(cell, str) else json.dumps(cell)),
                     "label"])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def run_intel(path: Path) -> Crash | None:
    """``intel import`` of one file into a fresh in-memory store; a crash is returned."""
    from lockstep.share.intel import import_file
    from lockstep.store import Store

    try:
        with Store(":memory:") as store:
            import_file(store, path)
    except LockstepError:
        return None
    except Exception as exc:
        return _crash("intel import", path, exc)
    return None


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="lockstep-fuzz-")


@dataclass
class FuzzResult:
    """What a fuzz run did: inputs (records) generated, files written, runs, crashes."""

    inputs: int = 0
    files: int = 0
    adapter_runs: int = 0
    pipeline_runs: int = 0
    intel_files: int = 0
    #: TAXII target: requests sent, objects the server accepted.
    requests: int = 0
    accepted: int = 0
    crashes: list[Crash] | None = None

    def __post_init__(self) -> None:
        self.crashes = self.crashes or []


def fuzz(data: Path, *, seed: int, files: int, records: int, pipeline_every: int = 10,
         intel_every: int = 5, on_file: Callable[[FuzzResult], None] | None = None) -> FuzzResult:
    """Write ``files`` hostile files of ``records`` records each and read every one with every
    registered adapter (the ``table`` adapter with its ``--map``); every ``pipeline_every``-th file
    also goes through the whole ingest pipeline into a store, and every ``intel_every``-th step
    writes a STIX bundle and a Meta CSV for ``intel import``. Returns counts and crashes."""
    from lockstep import registry
    from lockstep.ingest.base import ReadOptions
    from lockstep.ingest.pipeline import ingest_file
    from lockstep.store import Store

    rng = random.Random(seed)
    templates = load_templates(data)
    names = sorted(templates)
    adapters = registry.plugins("lockstep.adapters")
    result = FuzzResult()
    assert result.crashes is not None
    with scratch() as tmp:
        folder = Path(tmp)
        for i in range(files):
            name = names[i % len(names)]
            t = templates[name]
            suffix = ".csv" if t.kind == "csv" else ".json" if t.kind in ("array", "telegram") else ".jsonl"
            path = folder / f"f{i}{suffix}"
            result.inputs += write_file(path, t, records, rng)
            result.files += 1
            for aname, cls in adapters.items():
                opts = [ReadOptions(platform="x", mapping=m) for m in TABLE_MAPS] if aname == "table" else [ReadOptions()]
                for o in opts:
                    _, crash = run_adapter(aname, cls, path, o)
                    result.adapter_runs += 1
                    if crash:
                        result.crashes.append(crash)
            if i % pipeline_every == 0:
                result.pipeline_runs += 1
                try:
                    with Store(":memory:") as store:
                        s = ingest_file(store, path, dataset="fuzz")
                        if s.accounted() != s.records_read:
                            raise AssertionError(f"summary does not add up: {s}")
                except LockstepError:
                    pass
                except Exception as exc:
                    result.crashes.append(_crash("pipeline", path, exc))
            if i % intel_every == 0:
                for kind, text in (("bundle.json", bundle_text(rng, records // 4 + 1)),
                                   ("meta.csv", meta_text(rng, records // 4 + 1))):
                    ipath = folder / f"i{i}_{kind}"
                    ipath.write_bytes(text.encode("utf-8", "surrogatepass"))
                    result.inputs += records // 4 + 1
                    result.intel_files += 1
                    result.files += 1
                    crash = run_intel(ipath)
                    if crash:
                        result.crashes.append(crash)
            path.unlink()
            if on_file:
                on_file(result)
    return result


def stix_objects(rng: random.Random, n: int) -> list[Any]:
    """``n`` mutated STIX objects (indicators, marking definitions, odd markings) for the write path."""
    tlp = ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
           "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
           "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
           "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
           "MARKING-DEFINITION--55D920B0-5E8B-4F79-9EE9-91F868D9B421", "marking-definition--x", 5, None]
    base = {"type": "indicator", "spec_version": "2.1", "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
            "pattern": "[domain-name:value = 'example.com']", "name": "n"}
    out: list[Any] = []
    for _ in range(n):
        o: Any = {**base, "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                  "object_marking_refs": [rng.choice(tlp[:4])]}
        if rng.random() < 0.02:  # a malformed marking field refuses the whole envelope (400)
            o["object_marking_refs"] = rng.choice([tlp[0], {"a": 1}, tlp[4:], None])
        if rng.random() < 0.1:
            o = {"type": "marking-definition", "spec_version": "2.1",
                 "id": f"marking-definition--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                 "created": "2024-01-01T00:00:00.000Z", "name": scalar(rng),
                 "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                                {"extension_type": "property-extension",
                                 "tlp_2_0": rng.choice(["clear", "green", "amber", "amber+strict", "red"])
                                 if rng.random() < 0.9 else scalar(rng)}}}
        out.append(mutate(o, rng) if rng.random() < 0.25 else o)
    return out


def fuzz_taxii(*, seed: int, envelopes: int, per_envelope: int) -> FuzzResult:
    """POST ``envelopes`` envelopes of hostile objects to a real sharing server app (SQLite, through
    FastAPI's test client, as a partner with write rights). A crash is a 5xx answer or an exception."""
    from starlette.testclient import TestClient

    from lockstep.serve.app import create_app
    from lockstep.serve.http import TAXII_MEDIA
    from lockstep.serve.settings import ServeSettings
    from lockstep.testing.taxii import one_org_server

    rng = random.Random(seed)
    result = FuzzResult()
    assert result.crashes is not None
    with scratch() as tmp:
        url = f"sqlite:///{Path(tmp) / 'server.sqlite'}"
        auth, cid = one_org_server(url, title="fuzz")
        headers = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA}
        with TestClient(create_app(ServeSettings(database_url=url)), raise_server_exceptions=False) as client:
            for i in range(envelopes):
                objs = stix_objects(rng, per_envelope)
                body = json.dumps({"objects": objs}).encode("utf-8", "surrogatepass")
                if rng.random() < 0.05:
                    body = body.replace(b'"name": "n"', b'"name": NaN', 1)
                elif rng.random() < 0.05:
                    body = b'{"objects": ' + b"[" * _DEEP + b"]" * _DEEP + b"}"
                result.inputs += per_envelope
                result.files += 1
                try:
                    r = client.post(f"/lockstep/collections/{cid}/objects/", content=body, headers=headers,
                                    auth=auth)
                except Exception as exc:
                    result.crashes.append(_crash("taxii add", Path(f"envelope {i}"), exc))
                    continue
                result.requests += 1
                if r.status_code == 202:
                    result.accepted += int(r.json().get("success_count") or 0)
                if r.status_code >= 500:
                    result.crashes.append(Crash("taxii add", f"envelope {i}", f"HTTP {r.status_code}",
                                                body.decode("utf-8", "replace")[:2000]))
    return result
