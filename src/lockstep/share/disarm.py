"""The DISARM framework, bundled, and the table that maps Lockstep's behaviours to its techniques.

Why bundled: exports must work offline and name the same technique ids everywhere. DISARM is
CC BY-SA 4.0 (DISARM Foundation); ``data/disarm/NOTICE.md`` carries the attribution and the
compact ``techniques.json`` is derived from the framework's STIX bundle by :func:`derive`.

Techniques are always keyed by their external id (``T0049``), never by the STIX id in DISARM's
bundle: those ids are regenerated on every DISARM release.

The behaviour map (``data/disarm_map.toml``) says which techniques a trace or a signal is
evidence of. Analysts extend or override it with their own TOML file of the same shape
(``--disarm-map FILE``); every id in it is checked against the framework.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lockstep.errors import ConfigError

_PKG = "lockstep"
_DESC_CHARS = 400
_TECH_ID = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass(frozen=True, slots=True)
class Technique:
    """One DISARM technique as exports need it."""

    external_id: str
    name: str
    tactic_id: str
    tactic: str
    description: str
    url: str


@dataclass(frozen=True, slots=True)
class Mapping:
    """Techniques one behaviour is evidence of, and why (shown to analysts and in exports)."""

    kind: str  # "trace" or "signal"
    behaviour: str
    techniques: tuple[str, ...]
    why: str


def _clean(text: str) -> str:
    text = re.sub(r"<br\s*/?>", " ", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= _DESC_CHARS:
        return text
    cut = text[:_DESC_CHARS]
    end = cut.rfind(". ")
    return (cut[: end + 1] if end > 120 else cut.rstrip() + "…").strip()


def derive(bundle_path: Path) -> dict[str, Any]:
    """The compact form of DISARM's STIX bundle that ships in the package."""
    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    objects = bundle["objects"]
    tactics: dict[str, dict[str, str]] = {}
    by_short: dict[str, str] = {}
    for o in objects:
        if o["type"] == "x-mitre-tactic":
            ref = o["external_references"][0]
            tactics[ref["external_id"]] = {"name": o["name"], "url": ref.get("url", "")}
            by_short[o["x_mitre_shortname"]] = ref["external_id"]
    techniques: dict[str, dict[str, str]] = {}
    version = ""
    for o in objects:
        if o["type"] != "attack-pattern":
            continue
        ref = next(r for r in o["external_references"] if r.get("external_id"))
        phase = o["kill_chain_phases"][0]["phase_name"]
        techniques[ref["external_id"]] = {
            "name": o["name"],
            "tactic": by_short[phase],
            "description": _clean(o.get("description", "")),
            "url": ref.get("url", ""),
        }
        version = max(version, o.get("modified", ""))
    statement = next(
        (o["definition"]["statement"] for o in objects if o["type"] == "marking-definition"), ""
    )
    return {
        "source": "https://github.com/DISARMFoundation/DISARMframeworks",
        "licence": "CC BY-SA 4.0",
        "attribution": "DISARM Foundation",
        "statement": statement,
        "modified": version,
        "tactics": dict(sorted(tactics.items())),
        "techniques": dict(sorted(techniques.items())),
    }


@lru_cache(maxsize=1)
def framework() -> dict[str, Any]:
    """The bundled framework (tactics, techniques, licence, version)."""
    text = resources.files(_PKG).joinpath("data/disarm/techniques.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def technique(external_id: str) -> Technique:
    """One technique by its external id; a clear error for an id DISARM does not have."""
    fw = framework()
    t = fw["techniques"].get(external_id)
    if t is None:
        raise ConfigError(
            f"{external_id!r} is not a DISARM technique id (bundled DISARM, modified {fw['modified'][:10]}). "
            "Use an id such as 'T0049' or 'T0084.001'; see docs/sharing.md for the table."
        )
    return Technique(external_id, t["name"], t["tactic"], fw["tactics"][t["tactic"]]["name"],
                     t["description"], t["url"])


def attribution() -> str:
    """The attribution line every export that names DISARM techniques carries."""
    return (resources.files(_PKG).joinpath("data/disarm/NOTICE.md").read_text(encoding="utf-8")
            .split("\n\n", 2)[1].strip())


def _read_map(text: str, origin: str) -> dict[tuple[str, str], Mapping]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The DISARM map {origin} is not valid TOML: {exc}") from exc
    out: dict[tuple[str, str], Mapping] = {}
    for section, kind in (("traces", "trace"), ("signals", "signal")):
        for name, entry in (data.get(section) or {}).items():
            ids = entry.get("techniques") if isinstance(entry, dict) else None
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ConfigError(
                    f"In the DISARM map {origin}, [{section}.{name}] needs techniques = [\"T....\", ...]. "
                    f"Got {entry!r}."
                )
            for i in ids:
                if not _TECH_ID.match(i):
                    raise ConfigError(
                        f"In the DISARM map {origin}, [{section}.{name}] names {i!r}, which is not "
                        "a technique id like 'T0049' or 'T0084.001'."
                    )
                technique(i)  # raises for ids DISARM does not have
            out[(kind, name)] = Mapping(kind, name, tuple(ids), str(entry.get("why", "")))
    unknown = sorted(set(data) - {"traces", "signals"})
    if unknown:
        raise ConfigError(
            f"The DISARM map {origin} has unknown section(s) {unknown}; expected [traces.NAME] "
            "and [signals.NAME] tables."
        )
    return out


@lru_cache(maxsize=1)
def _bundled_map() -> dict[tuple[str, str], Mapping]:
    """The package's table, parsed once per process: the report asks for it once per network."""
    text = resources.files(_PKG).joinpath("data/disarm_map.toml").read_text(encoding="utf-8")
    return _read_map(text, "bundled with Lockstep")


def behaviour_map(user_file: Path | None = None) -> dict[tuple[str, str], Mapping]:
    """The package's behaviour -> technique table, with an analyst's file layered on top
    (an entry in the user file replaces the package's entry for that behaviour)."""
    table = dict(_bundled_map())
    if user_file is not None:
        if not user_file.is_file():
            raise ConfigError(f"No DISARM map file at '{user_file}'. Check the --disarm-map path.")
        table.update(_read_map(user_file.read_text(encoding="utf-8"), f"'{user_file}'"))
    return table


def techniques_for(traces: list[str], signals: list[str],
                   table: dict[tuple[str, str], Mapping]) -> dict[str, list[Mapping]]:
    """external id -> the mappings (behaviours) that led to it, for one network."""
    out: dict[str, list[Mapping]] = {}
    for kind, names in (("trace", traces), ("signal", signals)):
        for name in names:
            m = table.get((kind, name))
            for tid in m.techniques if m else ():
                out.setdefault(tid, []).append(m)  # type: ignore[arg-type]
    return dict(sorted(out.items()))
