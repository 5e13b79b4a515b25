"""The one TLP module: every marking form is read, and what cannot be classified is RED."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stix2
from hypothesis import given
from hypothesis import strategies as st

from lockstep.share import tlp
from lockstep.share.intel import import_bundle
from lockstep.store import Store

RED, AMBER, GREEN = tlp.TLP_IDS["red"], tlp.TLP_IDS["amber"], tlp.TLP_IDS["green"]
UNDEFINED = "marking-definition--00000000-0000-4000-8000-000000000001"


def _def(**fields: Any) -> dict[str, Any]:
    return {"type": "marking-definition", "id": f"marking-definition--{uuid.uuid4()}", **fields}


@pytest.mark.parametrize(("obj", "level"), [
    ({}, None),
    ({"object_marking_refs": []}, None),
    ({"object_marking_refs": [GREEN]}, "green"),
    ({"object_marking_refs": RED}, "red"),                       # a string, not a list
    ({"object_marking_refs": [RED.upper()]}, "red"),             # upper case
    ({"object_marking_refs": [" " + AMBER.upper() + " "]}, "amber"),
    ({"object_marking_refs": [GREEN, RED]}, "red"),
    ({"object_marking_refs": [UNDEFINED]}, "red"),               # nobody defined it
    ({"object_marking_refs": [GREEN, 7]}, "red"),                # not a string
    ({"object_marking_refs": {"id": GREEN}}, "red"),             # not a list
    ({"object_marking_refs": None}, "red"),                      # null is not "no marking"
    ({"granular_markings": None}, "red"),
    ({"granular_markings": [{"marking_ref": RED, "selectors": ["name"]}]}, "red"),
    ({"granular_markings": [{"lang": "en", "selectors": ["name"]}]}, None),
    ({"granular_markings": [{"selectors": ["name"]}]}, "red"),
    ({"granular_markings": "oops"}, "red"),
    ({"object_marking_refs": [tlp.TLP_IDS["amber+strict"]]}, "amber+strict"),
    ({"object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]}, "clear"),  # TLP 1.0
    ({"object_marking_refs": ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}, "red"),
])
def test_every_marking_form_is_read(obj: dict[str, Any], level: str | None) -> None:
    obj = {"type": "x-custom-thing", "id": f"x-custom-thing--{uuid.uuid4()}", **obj}
    assert tlp.classify(obj) == level
    assert tlp.rank(obj) == (tlp.UNMARKED if level is None else tlp.RANK[level])


def test_definitions_classify_custom_markings() -> None:
    tlp2 = _def(extensions={tlp.TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber"}})
    by_name = _def(name="TLP:GREEN")
    statement = _def(definition_type="statement", definition={"statement": "Copyright ACME"})
    custom = _def(name="internal only", definition_type="x-acme", definition={"level": 3})
    unknown = _def(definition_type="tlp", definition={"tlp": "purple"})
    defs = {d["id"]: d for d in (tlp2, by_name, statement, custom, unknown)}
    assert tlp.level_of([tlp2["id"]], defs) == "amber"
    assert tlp.level_of([tlp2["id"].upper()], defs) == "amber"
    assert tlp.level_of([by_name["id"]], defs) == "green"
    assert tlp.level_of([statement["id"]], defs) is None
    assert tlp.level_of([statement["id"], GREEN], defs) == "green"
    assert tlp.level_of([custom["id"]], defs) == "red"
    assert tlp.level_of([unknown["id"]], defs) == "red"  # an unknown TLP name never raises, never clears
    # official ids keep their official level whatever a definition sent alongside says
    forged = dict(tlp.marking("red"), extensions={tlp.TLP_EXTENSION: {"tlp_2_0": "clear"}})
    assert tlp.level_of([RED], {RED: forged}) == "red"
    # the official definitions (TLP 2.0 here, TLP 1.0 in stix2) say what their ids say
    for level in tlp.LEVELS:
        assert tlp.definition_level(tlp.marking(level)) == level
    assert tlp.definition_level(dict(stix2.TLP_WHITE)) == "clear"


def test_the_write_path_checks_are_strict() -> None:
    for bad in ({"object_marking_refs": RED}, {"object_marking_refs": None}, {"object_marking_refs": [RED.upper()]},
                {"granular_markings": [{"marking_ref": RED}]}, {"granular_markings": [{"selectors": ["x"]}]},
                _def(definition_type="tlp", definition={"tlp": "purple"}), _def(name="TLP:PINK"),
                dict(tlp.marking("red"), name="TLP:CLEAR")):
        with pytest.raises(tlp.MarkingError):
            tlp.check_markings(bad)
    for good in ({"object_marking_refs": [RED]}, tlp.marking("amber+strict"), dict(stix2.TLP_AMBER),
                 {"granular_markings": [{"lang": "fr", "selectors": ["name"]}]}):
        tlp.check_markings(good)


_refs = st.one_of(st.sampled_from([*tlp.OFFICIAL, UNDEFINED, RED.upper()]), st.text(max_size=60),
                  st.integers(), st.none())


@given(st.one_of(_refs, st.lists(_refs, max_size=4)), st.lists(st.one_of(
    st.fixed_dictionaries({"marking_ref": _refs, "selectors": st.just(["name"])}), _refs), max_size=3))
def test_classification_never_clears_what_it_cannot_read(omr: Any, granular: Any) -> None:
    """Adding an unreadable marking to an object can only make it stricter, never less strict."""
    obj = {"object_marking_refs": omr, "granular_markings": granular}
    level = tlp.classify(obj)
    with_unknown = tlp.classify({**obj, "granular_markings": [*granular, {"marking_ref": UNDEFINED}]})
    assert with_unknown == "red"
    if level is not None:
        assert tlp.RANK[level] >= max((tlp.RANK[tlp.OFFICIAL[r]] for r in (omr if isinstance(omr, list) else [omr])
                                       if isinstance(r, str) and r in tlp.OFFICIAL), default=0)


def test_intel_import_keeps_unknown_tlp_names_as_red(store: Store) -> None:
    """An unknown TLP name in a partner's marking-definition used to abort the whole import."""
    purple = _def(spec_version="2.1", created="2024-01-01T00:00:00Z", definition_type="tlp",
                  definition={"tlp": "purple"})
    ind = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
           "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
           "valid_from": "2024-01-01T00:00:00Z", "pattern_type": "stix",
           "pattern": "[domain-name:value = 'example.org']", "object_marking_refs": [purple["id"]]}
    strung = dict(ind, id=f"indicator--{uuid.uuid4()}", pattern="[domain-name:value = 'example.net']",
                  object_marking_refs=RED)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [purple, ind, strung]}
    summary = import_bundle(store, bundle)
    assert summary.stored == 2
    assert set(store.rows("SELECT value, tlp FROM indicators")) == {("example.org", "red"), ("example.net", "red")}
