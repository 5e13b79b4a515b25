"""TLP levels of stored objects and who may read them.

Each stored version gets a rank from its markings (object_marking_refs and granular markings,
TLP 2.0 or 1.0 ids; the strictest wins). Reading rules, applied in SQL on every read path:

* RED (5): only the organisation that added that version;
* AMBER / AMBER+STRICT (3, 4): organisations with a named read right on the collection (the
  owner and those granted with ``--read``);
* CLEAR / GREEN (1, 2) and unmarked (0): every reader, including community readers
  (collections created with ``--read '*'``).

The object itself is served exactly as stored: markings are never removed or changed.
"""

from __future__ import annotations

from typing import Any

from lockstep.share.tlp import TLP1_IDS, TLP_IDS

NONE, CLEAR, GREEN, AMBER, AMBER_STRICT, RED = range(6)
RANK_OF_LEVEL = {"clear": CLEAR, "green": GREEN, "amber": AMBER, "amber+strict": AMBER_STRICT, "red": RED}
NAMES = {NONE: "none", **{v: k for k, v in RANK_OF_LEVEL.items()}}
_RANK_OF_REF = {ref: RANK_OF_LEVEL[lvl] for lvl, ref in TLP_IDS.items()}
_RANK_OF_REF.update({ref: RANK_OF_LEVEL[lvl] for ref, lvl in TLP1_IDS.items()})

#: the highest rank a named reader / a community reader may see (besides its own objects)
NAMED_READER_MAX = AMBER_STRICT
COMMUNITY_READER_MAX = GREEN


def rank(obj: dict[str, Any]) -> int:
    """The strictest TLP rank among the object's marking refs (0 when it carries none)."""
    refs: list[Any] = list(obj.get("object_marking_refs") or [])
    for gm in obj.get("granular_markings") or []:
        if isinstance(gm, dict) and gm.get("marking_ref"):
            refs.append(gm["marking_ref"])
    return max((_RANK_OF_REF.get(r, NONE) for r in refs if isinstance(r, str)), default=NONE)
