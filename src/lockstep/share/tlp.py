"""TLP markings: the one place that knows TLP levels, their strictness, and how to read them.

STIX 2.1 predefines only TLP 1.0 (``stix2.TLP_WHITE`` ...). TLP 2.0 markings are the objects
published by OASIS in cti-stix-common-objects (extension-definition-specifications/tlp-2.0):
fixed ids, ``created`` 2022-10-01, and the TLP 2.0 property extension. Using these exact ids lets
every partner's tooling (OpenCTI, MISP, TAXII servers) recognise the level.

Everything that ranks TLP uses this module: the sharing server (what each reader may see), intel
import and ``share pull`` (the level kept with each indicator), exports and sightings. One
function, :func:`classify`, reads every marking form a STIX object can carry:

* ``object_marking_refs`` as a list, or (malformed, but seen in the wild) a single string; any
  other value, ``null`` included, is unclassifiable;
* ``granular_markings`` (each ``marking_ref``; ``lang`` entries are not TLP);
* TLP 2.0 and TLP 1.0 marking-definition ids, in any letter case;
* marking-definitions given alongside (same bundle or envelope) or stored earlier: TLP 2.0
  extension, TLP 1.0 ``definition_type: tlp``, or a ``TLP:LEVEL`` name; statements are not TLP.

Whatever cannot be classified (an id nobody defined, a custom marking, an unknown TLP name, a
marking field of the wrong shape) counts as RED, never as CLEAR: the mistake then costs a reader
an object, never leaks one. :func:`check_markings` is the strict form for the write path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lockstep.errors import ConfigError

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_CREATED = "2022-10-01T00:00:00.000Z"

#: level -> official TLP 2.0 marking-definition id
TLP_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: TLP 1.0 ids (STIX 2.1 predefined) read on import, mapped to their 2.0 level.
TLP1_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
LEVELS = tuple(TLP_IDS)
#: the one strictness scale: 0 is "no TLP marking at all", then CLEAR (1) to RED (5)
UNMARKED = 0
RANK: dict[str, int] = {lvl: i for i, lvl in enumerate(LEVELS, 1)}
CLEAR, GREEN, AMBER, AMBER_STRICT, RED = (RANK[lvl] for lvl in LEVELS)
NAMES: dict[int, str] = {UNMARKED: "none", **{v: k for k, v in RANK.items()}}
#: official ids (TLP 2.0 and 1.0) -> level
OFFICIAL: dict[str, str] = {**{ref: lvl for lvl, ref in TLP_IDS.items()}, **TLP1_IDS}
#: TLP 1.0 names (``definition.tlp``) -> 2.0 level
_TLP1_NAMES = {"white": "clear", "green": "green", "amber": "amber", "red": "red"}
_REF = re.compile(r"^marking-definition--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NOT_TLP = "not-tlp"  # a definition that is understood and carries no TLP level (a statement)


class MarkingError(ValueError):
    """A marking field that is malformed, or a marking-definition naming an unknown TLP level."""


def check_level(level: str) -> str:
    lvl = level.strip().lower().removeprefix("tlp:")
    if lvl == "white":
        lvl = "clear"
    if lvl not in TLP_IDS:
        raise ConfigError(f"Unknown TLP level {level!r}. Use one of: {', '.join(LEVELS)}.")
    return lvl


def stricter(*levels: str | None) -> str | None:
    """The strictest of the given levels (None: unmarked, the least strict)."""
    known = [lvl for lvl in levels if lvl is not None]
    return max(known, key=RANK.__getitem__) if known else None


def marking(level: str) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object for a level."""
    lvl = check_level(level)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_IDS[lvl],
        "created": _CREATED,
        "name": f"TLP:{lvl.upper()}",
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": lvl}},
    }


def _claims(defn: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Every TLP level a marking-definition states, as (where, level or None when unknown)."""
    out: list[tuple[str, str | None]] = []
    ext = defn.get("extensions")
    if isinstance(ext, Mapping) and TLP_EXTENSION in ext:
        body = ext[TLP_EXTENSION]
        name = body.get("tlp_2_0") if isinstance(body, Mapping) else None
        lvl = name.strip().lower() if isinstance(name, str) else None
        out.append((f"extensions.{TLP_EXTENSION}.tlp_2_0 = {name!r}", lvl if lvl in RANK else None))
    inner = defn.get("definition")
    if defn.get("definition_type") == "tlp" or (isinstance(inner, Mapping) and "tlp" in inner):
        name = inner.get("tlp") if isinstance(inner, Mapping) else None
        out.append((f"definition.tlp = {name!r}",
                    _TLP1_NAMES.get(name.strip().lower()) if isinstance(name, str) else None))
    name = defn.get("name")
    if isinstance(name, str) and name.strip().lower().startswith("tlp:"):
        lvl = name.strip().lower().removeprefix("tlp:").strip()
        out.append((f"name = {name!r}", _TLP1_NAMES.get(lvl) or (lvl if lvl in RANK else None)))
    return out


def definition_level(defn: Mapping[str, Any]) -> str | None:
    """The TLP level a marking-definition stands for; ``"red"`` when it names an unknown level or is
    a custom marking nobody here understands; None for a statement (no TLP)."""
    claims = _claims(defn)
    if claims:
        levels = [lvl for _, lvl in claims]
        return "red" if None in levels else stricter(*levels)
    inner = defn.get("definition")
    if defn.get("definition_type") == "statement" and isinstance(inner, Mapping) \
            and isinstance(inner.get("statement"), str):
        return None
    return "red"


def _refs(obj: Mapping[str, Any]) -> list[Any]:
    """Every marking ref of an object, whatever the shape; a shape nobody defined reads as RED."""
    refs: list[Any] = []
    omr = obj.get("object_marking_refs")
    if isinstance(omr, str):
        refs.append(omr)
    elif isinstance(omr, list):
        refs.extend(omr)
    elif omr is not None or "object_marking_refs" in obj:
        refs.append(None)
    gms = obj.get("granular_markings")
    if isinstance(gms, list):
        for gm in gms:
            if isinstance(gm, Mapping) and ("marking_ref" in gm or "lang" not in gm):
                refs.append(gm.get("marking_ref"))
            elif not isinstance(gm, Mapping):
                refs.append(None)
    elif gms is not None or "granular_markings" in obj:
        refs.append(None)
    return refs


def ref_level(ref: Any, definitions: Mapping[str, Mapping[str, Any]] | None = None) -> str | None:
    """The level of one marking ref: official ids by their table, others through ``definitions``
    (keys compared in lower case); unknown ids and non-strings are RED."""
    if not isinstance(ref, str):
        return "red"
    key = ref.strip().lower()
    if key in OFFICIAL:
        return OFFICIAL[key]
    defn = _lookup(definitions, key)
    if defn is None:
        return "red"
    return definition_level(defn)


def _lookup(definitions: Mapping[str, Mapping[str, Any]] | None, key: str) -> Mapping[str, Any] | None:
    if not definitions:
        return None
    found = definitions.get(key)
    if found is None:
        found = next((v for k, v in definitions.items() if isinstance(k, str) and k.strip().lower() == key), None)
    return found if isinstance(found, Mapping) else None


def classify(obj: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]] | None = None) -> str | None:
    """The strictest TLP level among all of an object's markings; None when it carries no TLP marking
    at all. ``definitions``: marking-definitions by id, for refs that are not official TLP ids."""
    if not isinstance(obj, Mapping):
        return "red"
    return stricter(*(ref_level(r, definitions) for r in _refs(obj)))


def rank(obj: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """:func:`classify` on the strictness scale (0 when unmarked, up to 5 for RED)."""
    level = classify(obj, definitions)
    return UNMARKED if level is None else RANK[level]


def level_of(marking_refs: Any, definitions: Mapping[str, Mapping[str, Any]] | None = None) -> str | None:
    """The strictest level among bare marking refs (same rules as :func:`classify`)."""
    return classify({"object_marking_refs": marking_refs}, definitions)


def unresolved(obj: Mapping[str, Any]) -> set[str]:
    """The (lower-cased) marking ids of an object that are not official TLP ids: the definitions
    :func:`classify` needs to be given."""
    return {r.strip().lower() for r in _refs(obj) if isinstance(r, str) and r.strip().lower() not in OFFICIAL}


def check_markings(obj: Mapping[str, Any]) -> None:
    """Strict checks for the write path: well-formed marking fields, and a marking-definition that
    names a TLP level names a known one (and an official id keeps its official level).
    Raises :class:`MarkingError` saying which field is wrong and what is expected."""
    omr = obj.get("object_marking_refs")
    if "object_marking_refs" in obj:
        if not isinstance(omr, list):
            raise MarkingError(f"'object_marking_refs' must be a list of marking-definition ids, got "
                               f"{type(omr).__name__} {str(omr)[:100]!r}; send [\"marking-definition--…\"].")
        for i, ref in enumerate(omr):
            _check_ref(ref, f"object_marking_refs[{i}]")
    gms = obj.get("granular_markings")
    if "granular_markings" in obj:
        if not isinstance(gms, list):
            raise MarkingError(f"'granular_markings' must be a list of granular markings, got "
                               f"{type(gms).__name__} {str(gms)[:100]!r}.")
        for i, gm in enumerate(gms):
            where = f"granular_markings[{i}]"
            if not isinstance(gm, Mapping):
                raise MarkingError(f"'{where}' must be an object with 'marking_ref' (or 'lang') and "
                                   f"'selectors', got {str(gm)[:100]!r}.")
            if not isinstance(gm.get("selectors"), list) or not gm["selectors"] \
                    or not all(isinstance(s, str) for s in gm["selectors"]):
                raise MarkingError(f"'{where}.selectors' must be a non-empty list of strings, got "
                                   f"{str(gm.get('selectors'))[:100]!r}.")
            if "marking_ref" in gm:
                _check_ref(gm["marking_ref"], f"{where}.marking_ref")
            elif not isinstance(gm.get("lang"), str):
                raise MarkingError(f"'{where}' needs a 'marking_ref' (or a 'lang' string); got keys "
                                   f"{sorted(map(str, gm))[:10]}.")
    if obj.get("type") == "marking-definition":
        for where, lvl in _claims(obj):
            if lvl is None:
                raise MarkingError(f"marking-definition {str(obj.get('id'))[:100]!r}: {where[:200]} is not a TLP "
                                   f"level. Known: {', '.join(LEVELS)} (TLP 2.0) or white, green, amber, red "
                                   "(TLP 1.0).")
        claims = _claims(obj)
        if len({lvl for _, lvl in claims}) > 1:
            raise MarkingError(f"marking-definition {str(obj.get('id'))[:100]!r} states different TLP levels: "
                               f"{'; '.join(w[:100] for w, _ in claims)}. State one level.")
        oid = obj.get("id")
        official = OFFICIAL.get(oid.lower()) if isinstance(oid, str) else None
        if official is not None and definition_level(obj) != official:
            raise MarkingError(f"marking-definition {oid!r} is the official TLP:{official.upper()} id but "
                               f"this definition says {definition_level(obj) or 'no TLP level'!r}; send the "
                               "official definition or none.")


def _check_ref(ref: Any, where: str) -> None:
    if not isinstance(ref, str) or not _REF.match(ref):
        raise MarkingError(f"'{where}' must be a marking-definition id 'marking-definition--<uuid>' in lower "
                           f"case, got {str(ref)[:100]!r}.")
