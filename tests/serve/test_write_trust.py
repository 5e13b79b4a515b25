"""The write path against a hostile partner: markings that used to slip through as "unmarked",
objects other readers could not read back, and answers that told a writer about objects it may
not read (issue 14, items 1-3)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lockstep.serve.http import TAXII_MEDIA
from lockstep.serve.schema import objects
from lockstep.share import tlp
from tests.serve.conftest import TLP, Deployment, indicator


def _ids(dep: Deployment, org: str, cid: str) -> set[str]:
    with dep.client(org) as c:
        r = c.get(dep.coll_url(cid) + "objects/", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return {o["id"] for o in r.json().get("objects", [])}


def _raw_post(dep: Deployment, org: str, cid: str, body: bytes) -> httpx.Response:
    with httpx.Client(auth=dep.auth(org), timeout=30) as c:
        return c.post(dep.coll_url(cid) + "objects/", content=body,
                      headers={"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA})


def _stored(dep: Deployment, cid: str) -> list[Any]:
    with dep.engine.connect() as conn:
        return list(conn.execute(select(objects.c.object_id, objects.c.tlp).where(objects.c.collection_id == cid)))


def _rejected(r: httpx.Response, *words: str) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["http_status"] == "400" and body["title"] == "Bad Request"
    for w in words:
        assert w in body["description"], body["description"]


@pytest.fixture
def coll(deployment: Deployment) -> str:
    """acme owns it, beta is a named reader, every organisation a community reader."""
    return deployment.collection("trust", read=("beta", "*"))


def _custom_marking(**fields: Any) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1",
            "id": f"marking-definition--{uuid.uuid4()}", "created": "2024-01-01T00:00:00.000Z", **fields}


# -- item 2: markings the server cannot classify are RED; malformed marking fields are refused --

@pytest.mark.parametrize("form", [
    pytest.param(lambda ref: ref, id="refs-as-string"),
    pytest.param(lambda ref: [ref.upper()], id="upper-case-id"),
    pytest.param(lambda ref: [ref, 5], id="non-string-ref"),
    pytest.param(lambda ref: {"ref": ref}, id="refs-as-object"),
    pytest.param(lambda ref: None, id="null"),
])
def test_malformed_marking_refs_are_refused(deployment: Deployment, coll: str, form: Any) -> None:
    obj = indicator(1)
    obj["object_marking_refs"] = form(TLP["red"])
    _rejected(deployment.post("acme", coll, [obj]), "object_marking_refs", "objects[0]")
    assert _stored(deployment, coll) == []


@pytest.mark.parametrize("granular", [
    "not-a-list", [TLP["red"]], [{"marking_ref": TLP["red"]}], [{"marking_ref": TLP["red"], "selectors": "name"}],
    [{"marking_ref": TLP["red"].upper(), "selectors": ["name"]}], [{"selectors": ["name"]}]])
def test_malformed_granular_markings_are_refused(deployment: Deployment, coll: str, granular: Any) -> None:
    obj = dict(indicator(2), granular_markings=granular)
    _rejected(deployment.post("acme", coll, [indicator(3), obj]), "granular_markings", "objects[1]")
    assert _stored(deployment, coll) == []  # nothing of the envelope is stored


def test_custom_and_unknown_markings_are_red(deployment: Deployment, coll: str) -> None:
    statement = _custom_marking(definition_type="statement", definition={"statement": "Copyright ACME"})
    custom = _custom_marking(name="ACME internal", extensions={
        f"extension-definition--{uuid.uuid4()}": {"extension_type": "property-extension", "level": "internal"}})
    undefined = f"marking-definition--{uuid.uuid4()}"
    objs = {
        "custom": dict(indicator(10), object_marking_refs=[custom["id"]]),
        "undefined": dict(indicator(11), object_marking_refs=[undefined]),
        "custom-granular": dict(indicator(12), granular_markings=[{"marking_ref": custom["id"], "selectors": ["name"]}]),
        "custom-type": {"type": "x-acme-note", "spec_version": "2.1", "id": f"x-acme-note--{uuid.uuid4()}",
                        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                        "note": "handle @someone", "object_marking_refs": [undefined]},
        "statement-only": dict(indicator(13), object_marking_refs=[statement["id"]]),
        "statement-and-amber": dict(indicator(14), object_marking_refs=[statement["id"], TLP["amber"]]),
    }
    r = deployment.post("acme", coll, [statement, custom, *objs.values()])
    assert r.status_code == 202 and r.json()["failure_count"] == 0, r.text
    red = {objs[k]["id"] for k in ("custom", "undefined", "custom-granular", "custom-type")}
    community = _ids(deployment, "gamma", coll)
    named = _ids(deployment, "beta", coll)
    assert not red & community and not red & named  # RED: only the organisation that added them
    assert red <= _ids(deployment, "acme", coll)
    assert objs["statement-only"]["id"] in community  # a statement is not a TLP marking
    assert objs["statement-and-amber"]["id"] in named - community


def _tlp2(level: str, name: str) -> dict[str, Any]:
    return _custom_marking(name=name, extensions={tlp.TLP_EXTENSION: {"extension_type": "property-extension",
                                                                      "tlp_2_0": level}})


def test_tlp_definitions_in_the_envelope_and_stored_before(deployment: Deployment, coll: str) -> None:
    amber, red2 = _tlp2("amber", "ACME amber"), _tlp2("red", "TLP:RED")
    now = [dict(indicator(20), object_marking_refs=[amber["id"]]), dict(indicator(21), object_marking_refs=[red2["id"]])]
    assert deployment.post("acme", coll, [amber, red2, *now]).json()["success_count"] == 4
    later = [dict(indicator(22), object_marking_refs=[amber["id"]]), dict(indicator(23), object_marking_refs=[red2["id"]])]
    assert deployment.post("acme", coll, later).json()["success_count"] == 2  # definitions stored before
    community, named = _ids(deployment, "gamma", coll), _ids(deployment, "beta", coll)
    for o in (now[0], later[0]):
        assert o["id"] in named and o["id"] not in community
    for o in (now[1], later[1]):
        assert o["id"] not in named and o["id"] not in community
    # a definition stix2 refuses (a TLP 1.0 one that is not the official object) defines nothing
    tlp1 = _custom_marking(name="ACME white", definition_type="tlp", definition={"tlp": "white"})
    marked = dict(indicator(24), object_marking_refs=[tlp1["id"]])
    r = deployment.post("acme", coll, [tlp1, marked]).json()
    assert r["success_count"] == 1 and r["failures"][0]["id"] == tlp1["id"]
    assert marked["id"] not in _ids(deployment, "beta", coll)


def test_another_organisations_definition_does_not_classify_my_markings(deployment: Deployment) -> None:
    """gamma stores a definition claiming CLEAR; acme's objects naming that id stay RED for others."""
    cid = deployment.collection("defs", read=("beta", "*"), write=("gamma",))
    fake = _tlp2("clear", "TLP:CLEAR")
    assert deployment.post("gamma", cid, [fake]).json()["success_count"] == 1
    secret = dict(indicator(30), object_marking_refs=[fake["id"]])
    assert deployment.post("acme", cid, [secret]).json()["success_count"] == 1
    assert secret["id"] not in _ids(deployment, "beta", cid)


@pytest.mark.parametrize(("defn", "words"), [
    ({"definition_type": "tlp", "definition": {"tlp": "purple"}}, ["purple", "not a TLP level"]),
    ({"name": "TLP:ULTRA"}, ["TLP:ULTRA"]),
    ({"extensions": {tlp.TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber-ish"}}},
     ["amber-ish"]),
])
def test_unknown_tlp_names_are_refused(deployment: Deployment, coll: str, defn: dict[str, Any],
                                       words: list[str]) -> None:
    _rejected(deployment.post("acme", coll, [_custom_marking(**defn)]), *words)
    assert _stored(deployment, coll) == []


def test_a_forged_official_marking_definition_is_refused(deployment: Deployment, coll: str) -> None:
    forged = dict(tlp.marking("red"), name="TLP:CLEAR")
    forged["extensions"] = {tlp.TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "clear"}}
    _rejected(deployment.post("acme", coll, [forged]), "official TLP:RED")
    ok = deployment.post("acme", coll, [tlp.marking("red"), dict(indicator(40), object_marking_refs=[TLP["red"]])])
    assert ok.status_code == 202 and ok.json()["success_count"] == 2


# -- item 3: only strict JSON is stored, so every reader can read back what is served --

@pytest.mark.parametrize(("value", "word"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")])
def test_non_strict_json_numbers_are_refused(deployment: Deployment, coll: str, value: str, word: str) -> None:
    obj = indicator(50)
    body = json.dumps({"objects": [dict(obj, confidence="@@")]}).replace('"@@"', value).encode()
    r = _raw_post(deployment, "acme", coll, body)
    _rejected(r, word, "strict JSON")
    assert _stored(deployment, coll) == []


def test_duplicate_keys_and_lone_surrogates_are_refused(deployment: Deployment, coll: str) -> None:
    text = json.dumps({"objects": [indicator(51)]})
    dup = text.replace('"type": "indicator"', '"type": "indicator", "type": "indicator"', 1)
    _rejected(_raw_post(deployment, "acme", coll, dup.encode()), "appears twice")
    lone = text.replace('"name": "indicator 51"', '"name": "\\ud800"')
    _rejected(_raw_post(deployment, "acme", coll, lone.encode()), "surrogate")
    deep = b'{"objects": [' + b"[" * 30_000 + b"]" * 30_000 + b"]}"
    r = _raw_post(deployment, "acme", coll, deep)
    _rejected(r, "nests")
    assert _stored(deployment, coll) == []


# -- item 1: the answer to an add never depends on objects the caller cannot read; no squatting --

def _answer(r: httpx.Response) -> Any:
    """The status of an add without what differs between any two requests (status id, times)."""
    assert r.status_code == 202, r.text
    body = r.json()
    return ({k: v for k, v in body.items() if k not in ("id", "request_timestamp", "successes", "failures")},
            [{k: v for k, v in s.items() if k != "id"} for s in body.get("successes", [])],
            [{k: v for k, v in s.items() if k != "id"} for s in body.get("failures", [])])


@pytest.mark.parametrize("writer", ["gamma", "delta"])  # gamma: writer only; delta: reads (GREEN) and writes
def test_an_add_tells_nothing_about_objects_the_writer_cannot_read(deployment: Deployment, writer: str) -> None:
    cid = deployment.collection("oracle", read=("beta", "delta"), write=("gamma", "delta"))
    t = {"created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z"}
    red = indicator(60, level="red", **t)
    amber_probe = indicator(61, level="amber")
    assert deployment.post("acme", cid, [red]).json()["success_count"] == 1
    probes = []
    for target in (red, indicator(62, level="red", **t)):  # one stored by acme, one that nobody stored
        same = dict(target, object_marking_refs=[TLP["green"]])  # the very same id and version
        newer = dict(target, modified="2039-01-01T00:00:00.000Z")
        probes.append(_answer(deployment.post(writer, cid, [same, newer])))
    assert probes[0] == probes[1]
    assert probes[0][0]["success_count"] == 2 and probes[0][0]["failure_count"] == 0
    # acme's RED object is untouched and still served only to acme
    with deployment.client("acme") as c:
        mine = c.get(deployment.coll_url(cid) + f"objects/{red['id']}/", params={"match[version]": "all"})
    assert red in mine.json()["objects"]
    assert red["id"] not in _ids(deployment, "beta", cid) or writer == "delta"
    assert amber_probe["id"] not in _ids(deployment, "beta", cid)


def test_ids_cannot_be_squatted(deployment: Deployment) -> None:
    """gamma adds acme's (predictable) id first; acme's own add still succeeds and is served."""
    cid = deployment.collection("squat", read=("beta",), write=("gamma",))
    acme_obj = indicator(70, level="amber")
    squat = dict(acme_obj, name="not what acme said", object_marking_refs=[TLP["green"]])
    assert deployment.post("gamma", cid, [squat]).json()["success_count"] == 1
    r = deployment.post("acme", cid, [acme_obj]).json()
    assert r["success_count"] == 1 and r["failure_count"] == 0 and "message" not in r["successes"][0]
    with deployment.client("beta") as c:
        got = c.get(deployment.coll_url(cid) + f"objects/{acme_obj['id']}/").json()["objects"]
    assert acme_obj in got
    # and gamma deleting "its" id removes only its own object
    with deployment.client("gamma") as c:
        assert c.delete(deployment.coll_url(cid) + f"objects/{acme_obj['id']}/").status_code == 200
    with deployment.client("beta") as c:
        assert c.get(deployment.coll_url(cid) + f"objects/{acme_obj['id']}/").json()["objects"] == [acme_obj]


def test_a_reused_readable_id_is_the_writers_own_object(deployment: Deployment) -> None:
    """delta reads and writes; a 'new version' it adds under acme's GREEN id is its own object:
    acme's stays unchanged and still its last version (readers get both, each as its adder sent it)."""
    cid = deployment.collection("reuse", read=("delta", "beta"), write=("delta",))
    green = indicator(80, level="green")
    assert deployment.post("acme", cid, [green]).json()["success_count"] == 1
    fake = dict(green, modified="2039-01-01T00:00:00.000Z", revoked=True)
    assert deployment.post("delta", cid, [fake]).json()["success_count"] == 1
    with deployment.client("beta") as c:
        got = c.get(deployment.coll_url(cid) + f"objects/{green['id']}/").json()["objects"]
        first = c.get(deployment.coll_url(cid) + f"objects/{green['id']}/",
                      params={"match[version]": "first"}).json()["objects"]
    assert sorted(got, key=lambda o: o["modified"]) == [green, fake]
    assert first == got  # each organisation's object is its own first and last version


def test_what_the_tables_cannot_hold_fails_in_the_status_not_with_500(deployment: Deployment, coll: str) -> None:
    """A 120-character custom type (valid STIX) or a padded timestamp used to give 500 on PostgreSQL."""
    long_type = "x-" + "a" * 118
    padded = " 2024-01-01T00:00:00Z" + " " * 40
    objs = [{"type": long_type, "spec_version": "2.1", "id": f"{long_type}--{uuid.uuid4()}",
             "created": "2024-01-01T00:00:00.000Z"},
            {"type": "x-acme-note", "spec_version": "2.1", "id": f"x-acme-note--{uuid.uuid4()}",
             "created": padded, "modified": padded}, indicator(90)]
    r = deployment.post("acme", coll, objs)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["success_count"] == 1 and [f["id"] for f in body["failures"]] == [objs[0]["id"], objs[1]["id"]]
    assert "at most 100" in body["failures"][0]["message"]
