"""TLP 2.0 markings for STIX 2.1, with the official ids.

STIX 2.1 predefines only TLP 1.0 (``stix2.TLP_WHITE`` ...). TLP 2.0 markings are the objects
published by OASIS in cti-stix-common-objects (extension-definition-specifications/tlp-2.0):
fixed ids, ``created`` 2022-10-01, and the TLP 2.0 property extension. Using these exact ids lets
every partner's tooling (OpenCTI, MISP, TAXII servers) recognise the level.
"""

from __future__ import annotations

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
#: strictness order, to keep the strictest level when several apply
RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


def check_level(level: str) -> str:
    lvl = level.strip().lower().removeprefix("tlp:")
    if lvl == "white":
        lvl = "clear"
    if lvl not in TLP_IDS:
        raise ConfigError(f"Unknown TLP level {level!r}. Use one of: {', '.join(LEVELS)}.")
    return lvl


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


def level_of(marking_refs: list[str] | None, definitions: dict[str, dict[str, Any]] | None = None) -> str | None:
    """The strictest TLP level among an object's marking refs (TLP 2.0 or 1.0), if any."""
    levels = []
    inv = {v: k for k, v in TLP_IDS.items()}
    for ref in marking_refs or []:
        if ref in inv:
            levels.append(inv[ref])
        elif ref in TLP1_IDS:
            levels.append(TLP1_IDS[ref])
        elif definitions and ref in definitions:
            ext = (definitions[ref].get("extensions") or {}).get(TLP_EXTENSION) or {}
            tlp = ext.get("tlp_2_0") or (definitions[ref].get("definition") or {}).get("tlp")
            if tlp:
                levels.append(check_level(str(tlp)))
    return max(levels, key=RANK.__getitem__) if levels else None
