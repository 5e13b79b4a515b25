"""Sharing: STIX 2.1 export with DISARM and TLP 2.0, partners' indicators, matching, sightings.

The functions other parts (the TAXII server and client) call::

    build_bundle(store, dataset, network_ids, tlp_level, pseudonymize_key, organisation) -> dict
    import_bundle(store, bundle_dict, producer) -> ImportSummary
    match(store, dataset, key=None) -> MatchSummary
    sightings_bundle(store, dataset, organisation, tlp_level, producer) -> dict

Imported lazily so that ``import lockstep.share`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_bundle", "import_bundle", "import_file", "match", "sightings_bundle"]


def __getattr__(name: str) -> Any:
    if name == "build_bundle":
        from lockstep.share.stix import build_bundle

        return build_bundle
    if name in ("import_bundle", "import_file"):
        from lockstep.share import intel

        return getattr(intel, name)
    if name in ("match", "sightings_bundle"):
        from lockstep.share import match as m

        return getattr(m, name)
    raise AttributeError(name)
