"""Property tests of the write path on the real server: whatever a partner posts, the server never
answers 5xx, and nothing it stores is ever served to a reader below the object's TLP level.

The generator knows what each object's sender meant: the strictest official TLP level among its
markings, a level given by a marking-definition sent alongside, and RED for anything unusual (an
id nobody defined, a ref of the wrong type or case, a marking field of another shape). That level
is computed here, independently of the server's TLP module, and checked against what each reader
is served.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockstep.serve.http import TAXII_MEDIA
from tests.serve.conftest import TLP, Deployment

RANK = {None: 0, "clear": 1, "green": 2, "amber": 3, "amber+strict": 4, "red": 5}
TLP1 = {"clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"}
TLP2_EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: readers of the collection and the strictest level each may see: beta (named), delta (community)
READERS = {"beta": RANK["amber+strict"], "delta": RANK["green"]}
_levels = st.sampled_from(list(TLP))
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                     max_leaves=12)


@st.composite
def _ref(draw: st.DrawFn, defs: list[dict[str, Any]]) -> tuple[Any, str | None]:
    """One marking ref and the level its sender meant by it."""
    kind = draw(st.sampled_from(["tlp2", "tlp1", "upper", "undefined", "defined", "junk"]))
    if kind == "tlp2":
        lvl = draw(_levels)
        return TLP[lvl], lvl
    if kind == "tlp1":
        lvl = draw(st.sampled_from(list(TLP1)))
        return TLP1[lvl], lvl
    if kind == "upper":
        lvl = draw(_levels)
        return TLP[lvl].upper(), lvl
    if kind == "undefined":
        return f"marking-definition--{draw(st.uuids())}", "red"
    if kind == "defined":
        lvl = draw(st.sampled_from([*TLP, "purple", "TLP:AMBER"]))
        ref = f"marking-definition--{draw(st.uuids())}"
        defs.append({"type": "marking-definition", "spec_version": "2.1", "id": ref,
                     "created": "2024-01-01T00:00:00.000Z", "name": f"custom {lvl}",
                     "extensions": {TLP2_EXT: {"extension_type": "property-extension", "tlp_2_0": lvl}}})
        return ref, lvl if lvl in RANK else "red"
    return draw(st.one_of(st.integers(), st.none(), st.text(max_size=30), _json)), "red"


@st.composite
def _object(draw: st.DrawFn, defs: list[dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    otype = draw(st.sampled_from(["indicator", "x-acme-note", "x-" + "a" * 120]))
    oid = f"{otype}--{draw(st.uuids())}"
    stamp = draw(st.sampled_from(["2024-01-01T00:00:00.000Z", " 2024-01-01T00:00:00Z" + " " * 40,
                                  "2024-01-01T00:00:00.123456789123Z"]))
    obj: dict[str, Any] = {"type": otype, "spec_version": "2.1", "id": oid, "created": stamp, "modified": stamp}
    if otype == "indicator":
        obj.update(pattern="[domain-name:value = 'example.org']", pattern_type="stix",
                   valid_from="2024-01-01T00:00:00Z")
    meant: list[str | None] = []
    shape = draw(st.sampled_from(["none", "list", "string", "other"]))
    if shape == "list":
        pairs = draw(st.lists(_ref(defs), max_size=3))
        obj["object_marking_refs"] = [r for r, _ in pairs]
        meant += [m for _, m in pairs]
    elif shape == "string":
        ref, m = draw(_ref(defs))
        obj["object_marking_refs"] = ref
        meant += [m if isinstance(ref, str) else "red"]
    elif shape == "other":
        obj["object_marking_refs"] = other = draw(_json)
        meant.append(None if other == [] else "red")  # an empty list says "no marking"
    if draw(st.booleans()):
        ref, m = draw(_ref(defs))
        gm: Any = {"marking_ref": ref, "selectors": draw(st.sampled_from([["name"], [], "name"]))}
        obj["granular_markings"] = draw(st.sampled_from([[gm], gm, [{"selectors": ["name"]}]]))
        meant.append(m)
    obj.update(draw(st.dictionaries(st.sampled_from(["x_extra", "name", "confidence", "labels", "description"]),
                                    _json, max_size=2)))
    level = max(meant, key=lambda m: RANK[m]) if meant else None
    return obj, level


@st.composite
def _envelope(draw: st.DrawFn) -> tuple[list[Any], dict[str, str | None]]:
    defs: list[dict[str, Any]] = []
    pairs = draw(st.lists(_object(defs), min_size=1, max_size=4))
    meant: dict[str, str | None] = {}
    objs: list[Any] = []
    for o, lvl in pairs:  # drawn uuids may repeat: keep the first object of each id
        if o["id"] not in meant:
            meant[o["id"]] = lvl
            objs.append(o)
    unique_defs = {d["id"]: d for d in reversed(defs) if d["id"] not in meant}
    objs[0:0] = draw(st.permutations(list(unique_defs.values()))) if unique_defs else []
    objs += draw(st.lists(_json, max_size=1))  # not even an object
    return objs, meant


def _post(dep: Deployment, org: str, cid: str, body: bytes) -> httpx.Response:
    with httpx.Client(auth=dep.auth(org), timeout=30) as c:
        return c.post(dep.coll_url(cid) + "objects/", content=body,
                      headers={"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA})


@pytest.fixture(scope="module")
def coll(deployment: Deployment) -> str:
    return deployment.collection("property", read=("beta", "*"), write=("gamma",))


def _fresh(deployment: Deployment) -> str:
    """A collection per example, so ids drawn again in a later example start from nothing."""
    return deployment.collection("property", read=("beta", "*"), write=("gamma",))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(envelope=_envelope(), writer=st.sampled_from(["acme", "gamma"]), nan=st.booleans())
def test_no_5xx_and_nothing_served_below_its_level(deployment: Deployment, writer: str,
                                                   envelope: tuple[list[Any], dict[str, str | None]],
                                                   nan: bool) -> None:
    objs, meant = envelope
    coll = _fresh(deployment)
    body = json.dumps({"objects": objs}, allow_nan=True)
    if nan:
        body = body.replace("null", "NaN", 1)
    r = _post(deployment, writer, coll, body.encode("utf-8", "surrogatepass"))
    assert r.status_code < 500, r.text
    assert r.headers["content-type"] == TAXII_MEDIA
    if r.status_code != 202:
        assert r.status_code == 400 and r.json()["description"], r.text
        return
    for reader, max_rank in READERS.items():
        with deployment.client(reader) as c:
            got = c.get(deployment.coll_url(coll) + "objects/",
                        params={"match[id]": ",".join(meant), "match[version]": "all"})
        assert got.status_code == 200, got.text
        for o in got.json().get("objects", []):
            assert RANK[meant[o["id"]]] <= max_rank, (reader, o)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(_json, st.fixed_dictionaries({"objects": st.lists(_json, max_size=4)})),
       raw=st.one_of(st.none(), st.binary(max_size=64)))
def test_any_body_gets_a_taxii_answer_not_a_5xx(deployment: Deployment, coll: str, doc: Any, raw: bytes | None) -> None:
    body = raw if raw is not None else json.dumps(doc, allow_nan=True).encode("utf-8", "surrogatepass")
    r = _post(deployment, "gamma", coll, body)
    assert r.status_code in (202, 400), r.text
    assert r.json()["http_status"] == str(r.status_code) if r.status_code == 400 else r.json()["status"] == "complete"

